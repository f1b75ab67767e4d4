/**
 * Every word of the statements, method.html, the index and the workbook, in Swedish: the leak, the
 * controllers and the supervisory authority (IMY) are Swedish. Typed as the English table's shape, so
 * a key missing here does not compile (and test/lang.test.ts checks that none is empty).
 */
import type { Strings } from './en.js';

const s = (n: number, one: string, many: string): string => (n === 1 ? one : many);

export const sv: Strings = {
  htmlLang: 'sv',
  numberLocale: 'sv-SE',
  tbc: 'att fylla i av personuppgiftsbiträdet',
  none: 'inga',
  notKnown: 'okänt',
  yes: 'ja',
  no: 'nej',
  to: 'till',
  page: (n, m) => `sida ${n} av ${m}`,
  treeDefault: 'den läckta kopian av samtalsinspelningarna',

  precision: {
    exact: 'exakt',
    approximate: 'ungefärligt',
    'lower bound': 'nedre gräns (minst)',
    'cannot be determined': 'kan inte fastställas',
  },

  kind: {
    controller: 'personuppgiftsansvarig',
    unregistered: 'nyckel som inte finns i registret',
    customer: 'kund',
    unmatched: 'filer som mönstret inte matchade',
    'top-level': 'filer ovanför kundmapparna',
    total: 'totalt',
  },

  gap: {
    stopped: 'genomsökningen avbröts före slutet',
    shardsMissing: (missing, count) =>
      missing.includes(',')
        ? `delarna ${missing} av ${count} slogs inte ihop: kunderna i dem lästes inte`
        : `del ${missing} av ${count} slogs inte ihop: kunderna i den lästes inte`,
    shardsRoots: (roots) =>
      `delarna genomsökte olika mappar (${roots}): att de är ett och samma träd kan inte avgöras av deras fallfiler`,
    emptyTree: 'ingen fil alls hittades i den genomsökta mappen',
    unreadFoldersRun: (n, k) => `${n} ${s(k, 'mapp', 'mappar')} kunde inte läsas`,
    unreadFoldersRow: (n, k) =>
      `${n} ${s(k, 'mapp som kan innehålla dess filer', 'mappar som kan innehålla dess filer')} kunde inte läsas`,
    examples: (more, list) => ` (${more ? 't.ex. ' : ''}${list})`,
    unattributed: (n, k) =>
      `${n} ${s(k, 'fil', 'filer')} kunde inte knytas till någon kund (mönstret matchade inte, eller ovanför kundmapparna)`,
    unopened: (n, k) =>
      `${n} ${s(k, 'fil', 'filer')} kunde inte öppnas eller läsas (åtkomst nekad eller läsfel): om ${s(k, 'den är en inspelning', 'de är inspelningar')}, och hur lång, är okänt`,
    links: (n, k) => `${n} ${s(k, 'symbolisk länk', 'symboliska länkar')} följdes inte`,
    otherNotOpened: (n, k) =>
      `${n} ${s(k, 'annan fil', 'andra filer')} (arkiv, krypterade eller okända format) öppnades inte som inspelningar; ${s(k, 'den', 'de')} kan innehålla några`,
    linked: (n, k) =>
      `${n} ${s(k, 'fil', 'filer')} i dess mapp är ${s(k, 'samma fil', 'samma filer')} (hårda länkar) som ${s(k, 'en fil', 'filer')} räknade under ett annat namn, kanske en annan kunds: ${s(k, 'den kan vara dess inspelning', 'de kan vara dess inspelningar')}`,
    ownGapRows: (n, k, example) =>
      `${n} ${s(k, 'rad', 'rader')} i sammanställningen${example === undefined ? '' : ` (t.ex. "${example}")`} har filer som inte räknades som inspelningar men kan innehålla några (arkiv, krypterade eller okända format, eller hårda länkar till filer räknade under ett annat namn)`,
    special: (n, k) => `${n} ${s(k, 'specialfil', 'specialfiler')} hoppades över (enheter, rör, socklar)`,
    lookalike: (folder, name, key, n, k, recordings) =>
      `${folder ? 'en kundmapp' : 'en kund'} med namn som dess nyckel "${key}", "${name}", innehåller ${n} ${recordings ? s(k, 'inspelning', 'inspelningar') : s(k, 'fil', 'filer')} som kan vara dess (inte sammanslagna: om det är samma kund avgör en person)`,
    lookalikeMore: (n, k) => `${n} ${s(k, 'kund', 'kunder')} till med namn som dess nycklar`,
    lookalikeKeys: (n, k, key, name) =>
      `${n} av registrets nycklar hittades inte men har namn som en kund som hittades (t.ex. nyckeln "${key}", kunden "${name}"): att ${s(k, 'dess personuppgiftsansvarige', 'deras personuppgiftsansvariga')} berörs kan inte uteslutas`,
    twoWays: (n, k) =>
      `${n} ${s(k, 'fil', 'filer')} vars namn mönstret kan läsa på två sätt kan vara dess (placerade under ett annat {customer}-värde)`,
    twoWayKeys: (n, k, key) =>
      `${n} av registrets nycklar kan vara {customer} för filer vars namn mönstret kan läsa på två sätt (t.ex. nyckeln "${key}"): att ${s(k, 'dess personuppgiftsansvarige', 'deras personuppgiftsansvariga')} berörs kan inte uteslutas`,
    unassignedRow: (folder, n, k, hold) =>
      `${n} ${folder ? s(k, 'kundmapp', 'kundmappar') : s(k, 'kund', 'kunder')} som ingen nyckel i registret anger innehåller ${hold}: tills var och en har knutits till sin personuppgiftsansvarige i registret kan några vara denna personuppgiftsansvariges`,
    unassignedOwner: (folder, n, k, hold) =>
      `ingen nyckel i registret anger denna ${folder ? 'kundmapp' : 'kund'}, så dess personuppgiftsansvarige är inte känd: tills den har knutits till sin i registret ingår inte den personuppgiftsansvariges inspelningar på andra ställen i dessa siffror (${n} ${folder ? s(k, 'kundmapp', 'kundmappar') : s(k, 'kund', 'kunder')} som ingen nyckel anger, denna medräknad, innehåller ${hold})`,
    unassignedRun: (folder, n, k, hold, example) =>
      `${n} ${folder ? s(k, 'kundmapp', 'kundmappar') : s(k, 'kund', 'kunder')}${example === undefined ? '' : ` (t.ex. "${example}")`} som ingen nyckel i registret anger innehåller ${hold}: att någon personuppgiftsansvarig berörs kan inte uteslutas förrän var och en har knutits till sin i registret (en rad med dess nyckel och dess personuppgiftsansvarige)`,
    unassignedHold: (f, files, d, folders) =>
      [
        ...(files
          ? [`${f} ${s(files, 'fil som är eller kan vara en inspelning', 'filer som är eller kan vara inspelningar')}`]
          : []),
        ...(folders ? [`${d} ${s(folders, 'mapp som inte kunde läsas', 'mappar som inte kunde läsas')}`] : []),
      ].join(' och '),
    complete: 'fullständig',
    incomplete: (why) => `ofullständig: ${why}`,
  },

  statement: {
    title: (name) => `${name}: personuppgiftsincident`,
    kicker:
      'Personuppgiftsincident: information från personuppgiftsbiträdet till den personuppgiftsansvarige (art. 33.2 GDPR)',
    unknownOwner: (key) => `Okänd ägare till ${key}`,
    intro: (tree, date) =>
      `Det som rör denna personuppgiftsansvarige i ${tree}, undersökt ${date}. Punkterna följer tillsynsmyndighetens anmälningsformulär (art. 33.3 GDPR), så att var och en kan föras över dit.`,
    introKey: (tree, date) =>
      `Det som rör denna nyckel i ${tree}, undersökt ${date}. Dess ägare finns inte i personuppgiftsbiträdets register.`,
    times: (zone) => `Tider anges i lokal tid i ${zone}.`,
    runPartial: 'Undersökningen avbröts före slutet: alla siffror är nedre gränser.',
    runIncomplete: 'En del av kopian kunde inte läsas eller knytas till en kund: se Fullständighet.',
    whoController: 'denna personuppgiftsansvarige',
    whoKey: 'denna nyckel',
    itsKey: 'dess nyckel',
    itsKeys: 'någon av dess nycklar',
    notAffected: (who, its) =>
      `Ingenting hittades för ${who}: ingen fil under ${its} i den undersökta kopian, och allt i den som kan innehålla dess inspelningar lästes. Inte berörd av denna incident, såvitt denna kopia visar.`,
    notAffectedElsewhere: (n, k, its) =>
      ` (${n} ${s(k, 'mapp', 'mappar')} i kopian kunde inte läsas, men ingen av dem kan innehålla filer under ${its}.)`,
    cannotRuleOut: (who, gaps) =>
      `Ingenting hittades för ${who} i de delar av kopian som kunde läsas, men kopian kunde inte läsas fullständigt: ${gaps}. Att ${who} berörs KAN INTE UTESLUTAS: inspelningar kan finnas i det som inte kunde läsas.`,
    cannotRuleOutLike: (who, gaps) =>
      `Ingenting hittades för ${who} under dess nyckel så som registret stavar den, men ${gaps}. Att ${who} berörs KAN INTE UTESLUTAS: inspelningar kan finnas där, under en annan stavning av nyckeln.`,
    lowerBoundsLike: (who, gaps) =>
      `Siffrorna nedan är NEDRE GRÄNSER: ${gaps}. Fler inspelningar för ${who} kan finnas där, under en annan stavning av nyckeln.`,
    cannotRuleOutOwn: (who, gaps) =>
      `Filer hittades för ${who} som inte räknades som dess inspelningar: ${gaps}. Att ${who} berörs KAN INTE UTESLUTAS.`,
    lowerBoundsOwn: (who, gaps) =>
      `Siffrorna nedan är NEDRE GRÄNSER: ${gaps}. Fler inspelningar för ${who} kan finnas i de filerna.`,
    cannotRuleOutUnassigned: (who, gaps) =>
      `Ingenting hittades för ${who} under de nycklar registret anger, men ${gaps}. Att ${who} berörs KAN INTE UTESLUTAS: inspelningar kan finnas bland dem.`,
    lowerBoundsUnassigned: (who, gaps) =>
      `Siffrorna nedan är NEDRE GRÄNSER: ${gaps}. Fler inspelningar för ${who} kan finnas bland dem.`,
    lowerBounds: (who, gaps) =>
      `Siffrorna nedan är NEDRE GRÄNSER: kopian kunde inte läsas fullständigt (${gaps}). Fler inspelningar för ${who} kan finnas i det som inte kunde läsas.`,

    notification: 'Anmälan',
    kindLabel: 'Typ av anmälan',
    initial: 'första anmälan',
    followUp: 'komplettering av en tidigare anmälan',
    earlierRef: 'Tidigare anmälan: referens',
    earlierDate: 'Tidigare anmälan: skickad',

    parties: 'Personuppgiftsansvarig och personuppgiftsbiträde',
    controller: 'Personuppgiftsansvarig',
    notInRegister: 'finns inte i registret: vems detta är måste utredas',
    orgId: 'Organisationsnummer',
    contact: 'Kontakt',
    keyOne: 'Nyckel (kundmapp eller linje)',
    keysMany: (n) => `Nycklar (${n}: kundmappar eller linjer)`,
    processor: 'Personuppgiftsbiträde',
    processorOrgId: 'Personuppgiftsbiträdets organisationsnummer',
    processorContact: 'Personuppgiftsbiträdets kontakt',
    dpo: 'Personuppgiftsbiträdets dataskyddsombud',

    breach: 'Incidenten',
    nature: 'Vad som hände',
    howFound: 'Hur den upptäcktes',
    discovered: 'Tidpunkt då den upptäcktes (av personuppgiftsbiträdet)',
    exposure: 'Exponering (när inspelningarna var åtkomliga)',
    exposureSince: (t) => `från ${t}, slut ej angivet`,
    exposureUntil: (t) => `till ${t}, början ej angiven`,
    type: 'Typ av incident',
    typeValue:
      'konfidentialitet: inspelningarna nedan fanns i den läckta kopian; riktighet och tillgänglighet bedöms inte här',
    unintelligible: 'Krypterade eller på annat sätt oläsbara',
    unintelligibleYes: 'ja',
    unintelligibleNo: 'nej',

    subjects: 'Registrerade',
    subjectCategories: 'Kategorier av registrerade',
    subjectsNumber: 'Antal registrerade',
    precisionLabel: 'Precision',
    methodLabel: 'Hur antalet räknades',
    distinctCallers: 'Olika uppringande nummer',
    notDeduplicated: ' (en summa över nycklar: dubbletter inte borttagna)',
    withheld: 'Samtal med dolt nummer',
    byCountry: 'Uppringare per land',
    country: 'Land',
    callers: 'Uppringande nummer',
    unknownCountry: 'okänt',

    records: 'Personuppgiftsposter',
    dataCategories: 'Kategorier av personuppgifter',
    recordings: 'Inspelningar (ljudfiler)',
    recordingsNotRead: 'inga hittades i de delar av kopian som lästes; resten är okänt',
    recordingsPrecision: 'Precision i antalet inspelningar',
    recordingsMethod: {
      exact: 'varje fil för denna personuppgiftsansvarige i kopian lästes och räknades',
      unreadable: (n) =>
        `ytterligare ${n} filer ser ut som inspelningar men kunde inte läsas: antalet ligger mellan det räknade och det räknade plus dessa`,
      lower: 'en del av kopian som kan innehålla fler inspelningar lästes inte',
      own: 'filer som kan innehålla inspelningar räknades inte som inspelningar (se Fullständighet)',
      unassigned:
        'kunder som ingen nyckel i registret anger innehåller filer som är eller kan vara inspelningar, deras personuppgiftsansvariga ännu inte kända (se Fullständighet)',
      notRead:
        'ingenting räknades i det som kunde läsas, och det som inte lästes eller inte räknades kan innehålla inspelningar',
    },
    hours: 'Inspelningarnas längd',
    hoursValue: (h, sec) => `${h} timmar (${sec} sekunder)`,
    period: 'Inspelningarnas period (start för den första och den sista)',
    codecs: 'Ljudformat',
    unreadableFiles: 'Oläsbara filer (ser ut som inspelningar, längd okänd)',
    otherFiles: 'Andra filer',
    filesInAll: 'Filer totalt',
    filesBytes: (n, b) => `${n} (${b} byte)`,
    retention: 'Lagringstid',
    retentionDays: (d) => `${d} dagar`,
    noRetention:
      'Ingen lagringstid angavs för denna personuppgiftsansvarige: inspelningar som sparats längre än lagringstiden räknas inte.',
    asOf: 'Lagringstiden räknad per',
    asOfScanStart: ' (undersökningens start)',
    pastRetention: 'Inspelningar sparade längre än lagringstiden',
    pastNotCounted: 'räknas inte (se metoden)',
    pastHours: 'Deras längd',
    oldestPast: 'Den äldsta av dem startade',

    completeness: 'Fullständighet',
    completeRead: 'fullständig: allt som kan innehålla dess inspelningar lästes',
    completeNothing: 'fullständig: allt som kan innehålla dess inspelningar lästes; ingenting hittades',
    incompleteLabel: 'OFULLSTÄNDIG',
    incompleteRead: (gaps) => `${gaps}; siffrorna är nedre gränser`,
    incompleteNothing: (gaps) => `${gaps}; att den berörs kan inte uteslutas`,

    consequences: 'Sannolika konsekvenser',
    measures: 'Åtgärder',
    measuresTaken: 'Vidtagna åtgärder',
    measuresProposed: 'Föreslagna åtgärder',
    communication: 'Information till de registrerade (art. 34)',
    advice: 'Vad den personuppgiftsansvarige kan berätta för de registrerade',
    contactPoint: 'Kontaktpunkt för mer information',

    method: 'Metod',
    methodHow: 'Hur det mättes',
    methodHowValue:
      'varje fil i kopian listades och varje inspelnings längd lästes ur själva ljudet (dess huvud och data), inte ur filnamnet; inspelningarna knöts till den personuppgiftsansvarige genom linjerna (nycklarna) i personuppgiftsbiträdets register',
    methodTool: 'Verktyg',
    methodScan: 'Undersökt',
    methodTree: 'Undersökt kopia',
    methodDates: 'Inspelningarnas datum',
    methodDatesNone: 'ingen inspelning daterad',
    methodCallers: 'Uppringare',
    methodInPlace: 'Mätt på plats',
    methodInPlaceValue: (requests, bytes, share) =>
      `över HTTP, utan att kopiera: ur webbserverns mapplistor och de första byten av varje fil (${requests} förfrågningar, ${bytes} byte mottagna: ${share} av filernas byte). Namn som en mapplista utelämnar syns inte (nginx och lighttpd utelämnar namn som börjar med punkt; Apache det dess IndexIgnore anger): "fullständig" och "inte berörd" gäller så långt serverns mapplistor visar`,

    chart: 'Inspelningar per månad',
    chartNone: 'Inga daterade inspelningar.',
    chartLabel: 'Inspelningar per månad',
    chartTip: (month, n, k, h) => `${month}: ${n} ${s(k, 'inspelning', 'inspelningar')}, ${h} h`,

    footer:
      'Siffror: mätta i den läckta kopian med metoden ovan. Punkter markerade ”att fylla i av personuppgiftsbiträdet” gavs inte till verktyget och gissas inte.',
  },

  subjectsMethod: {
    noRecordings: 'inga inspelningar hittades',
    noCaller:
      'filnamnen anger inte uppringaren (ingen {caller} i --pattern), så uppringare kan inte räknas; högst en uppringare per inspelning (varje samtal har också den som svarade, som inte räknas här)',
    noCallerCalls: 'inga inspelningar med uppringare hittades',
    callers: (n) =>
      `olika uppringande nummer i filnamnen (${n}; samma nummer skrivet nationellt eller med landsnummer räknat en gång)`,
    withheld: (n) => `, plus högst en person för vart och ett av de ${n} samtal vars nummer var dolt eller okänt`,
    noWithheld: ', inget samtal hade dolt nummer',
    caveat:
      '; ett nummer kan användas av flera personer och en person kan använda flera nummer, och de som svarade räknas inte',
    lower:
      '; en NEDRE GRÄNS: en del av kopian som kan innehålla fler inspelningar lästes inte eller räknades inte som inspelningar',
    notRead:
      'ingenting räknades i de delar av kopian som lästes, och det som inte lästes eller inte räknades som inspelningar kan innehålla några: antalet registrerade är okänt',
  },

  dateRule: {
    pattern: 'datumet i filnamnet (läst med mönstret)',
    filename: 'en tidsstämpel i filnamnet',
    riff: 'datumet i WAV-filens huvud (INFO/ICRD)',
    bwf: 'datum och tid för upptagningen i WAV-filens sändningshuvud (BWF)',
    id3: 'inspelningstiden i MP3-filens taggar (ID3)',
    mp4: 'MP4-filens skapandetid',
    folder: 'år/månad/dag-mapparna (bara dagen; midnatt används)',
    'folder+mtime': 'år/månad/dag-mapparna, tiden på dagen från filens ändringstid',
    mtime: 'filens ändringstid minus dess längd (en gissning: bara så bra som kopian som bevarade tiderna)',
    'folder+last-modified': 'år/månad/dag-mapparna, tiden på dagen från webbserverns Last-Modified-tid',
    'last-modified':
      'webbserverns Last-Modified-tid för filen minus dess längd (en gissning: bara så bra som serverns kopia av filen)',
  },
  dateRuleCount: (n, rule) => `${n} genom ${rule}`,

  index: {
    title: 'Redogörelser (endast för personuppgiftsbiträdet)',
    sub: (n, from, to) => `${n} redogörelser; undersökt ${from} till ${to}.`,
    onlyProcessor:
      'Endast för personuppgiftsbiträdet: sidan listar alla personuppgiftsansvariga och länkar metoden (method.html). Skicka varje personuppgiftsansvarig bara dess egen sida.',
    method: 'Fullständig metod (method.html)',
    name: 'Personuppgiftsansvarig eller nyckel',
    keys: 'Nycklar',
    recordings: 'Inspelningar',
    hours: 'Timmar',
    past: 'Över lagringstid',
    subjects: 'Registrerade',
    found: 'Hittat',
    notRegistered: '(finns inte i registret)',
    yes: 'ja',
    yesLower: '(nedre gränser: allt lästes inte)',
    notAffected: 'nej: inte berörd',
    cannotRuleOut: 'ingenting hittat i det som lästes: KAN INTE UTESLUTAS',
    total: '(totalt)',
  },

  followUp: {
    title: 'Sedan den första anmälan',
    intro: (date) =>
      `Jämfört med undersökningen som den första anmälan byggde på (avslutad ${date}), så som personuppgiftsbiträdets ärendefil återger båda: varje fil räknas, inspelning eller ej, och en fil är samma fil när dess sökväg och dess ägare är desamma.`,
    introUnended: (date) =>
      `Jämfört med undersökningen som den första anmälan byggde på (påbörjad ${date}; den avslutades aldrig), så som personuppgiftsbiträdets ärendefil återger båda: varje fil räknas, inspelning eller ej, och en fil är samma fil när dess sökväg och dess ägare är desamma.`,
    noChange: (date) =>
      `Inga inspelningar har tillkommit eller tagits bort sedan den första anmälan den ${date}: siffrorna är desamma som då.`,
    incomplete: (why) =>
      `Denna jämförelse är OFULLSTÄNDIG: ${why}. En uppgift som en undersökning inte läste visas som inte läst; en fil som en av dem inte kunde knyta till en kund kan räknas som borttagen eller tillkommen, så ändringarna nedan kan vara för många eller för få, och att ingenting har ändrats kan inte sägas.`,
    gapEarlier: {
      stopped: 'den tidigare undersökningen avbröts före slutet',
      unfinished: 'den tidigare undersökningen avslutades aldrig',
      gaps: 'den tidigare undersökningen kunde inte läsa eller knyta varje fil till en kund',
    },
    gapLater: {
      stopped: 'denna undersökning avbröts före slutet',
      unfinished: 'denna undersökning avslutades aldrig',
      gaps: 'denna undersökning kunde inte läsa eller knyta varje fil till en kund',
    },
    gapRow: 'allt som kan innehålla dess filer lästes inte i denna undersökning (se Fullständighet)',
    notRead: 'inte läst',
    rowNotRead: (which) =>
      `Det som kan innehålla dess inspelningar lästes inte i ${which}: de uppgifter som beror på det visas som ”inte läst”, inte som 0 eller borttagna.`,
    laterExamination: 'denna undersökning',
    earlierExamination: 'den tidigare undersökningen',
    bothExaminations: 'någon av undersökningarna',
    figure: 'Uppgift',
    then: 'Då',
    now: 'Nu',
    added: 'Tillkomna',
    removed: 'Borttagna',
    changed: 'Ändrade',
    files: 'Filer',
    hours: 'Timmar ljud',
    callers: 'Olika uppringande nummer',
    changedNote:
      'Ändrade: samma fil med annan storlek, ändringstid eller längd (i timmar: den längd den fått, eller förlorat om negativ).',
    indexNotice: (date, since, run) =>
      `Dessa redogörelser kompletterar anmälan den ${date} (körning ${since} i ärendefilen; siffrorna är körning ${run}:s): var och en säger vad som har ändrats för sin personuppgiftsansvarige sedan dess.`,
    indexIncomplete: (why) => `Jämförelsen är ofullständig: ${why}.`,
  },
  method: {
    title: 'Metod (endast för personuppgiftsbiträdet)',
    sub: 'Undersökningens fullständiga metod: för personuppgiftsbiträdet, inte för de personuppgiftsansvariga (den namnger personuppgiftsbiträdets mappar, filer och antalet kunder).',
    tool: 'Verktyg',
    command: 'Kommandorad',
    interactive: '(interaktivt)',
    folder: 'Genomsökt mapp',
    inPlace: 'Mätt på plats (över HTTP)',
    scanStart: 'Genomsökningens start',
    scanEnd: 'Genomsökningens slut',
    completeness: 'Fullständighet',
    complete: 'fullständig: varje mapp lästes, och varje fil som hittades lästes och knöts till en kund',
    incomplete: (partial, why) =>
      `${partial ? 'AVBRUTEN' : 'OFULLSTÄNDIG'}: ${why}. Varje siffra är en NEDRE GRÄNS, och en personuppgiftsansvarig utan fynd kan inte sägas vara oberörd om inte dess egen redogörelse säger att allt som kan innehålla dess inspelningar lästes.`,
    scope: 'Filens omfattning',
    scopeValue: (rows, of, chosen) =>
      `DEL av sammanställningen: ${rows} av ${of} rader (${chosen}); totalen avser bara dessa rader`,
    zone: 'Tidszon',
    pattern: 'Mönster',
    noPattern: '(inget: kund = mappen på djupet nedan)',
    depth: 'Djup',
    asOf: 'Per',
    asOfGiven: '--as-of',
    asOfScanStart: 'genomsökningens start (--as-of angavs inte)',
    notUsed: 'används inte',
    retention: 'Lagringstid',
    retentionNone: 'ingen angiven: inspelningar som sparats längre än lagringstiden räknas inte',
    retentionDefault: (text, days, cutoff) =>
      `${text} som standard (${days} dagar före per-datumet: inspelningar som startade före ${cutoff} är sparade för länge)`,
    retentionKeyed: (n, k, days, cutoff) =>
      `registrets retention_days för ${n} ${s(k, 'nyckel', 'nycklar')} (t.ex. ${days} dagar: startade före ${cutoff})`,
    retentionRule: (zone) =>
      `En inspelning är sparad för länge när dess start + lagringstiden ligger före per-tidpunkten; lagringstiden dras från per-tidpunkten i kalenderdagar, veckor, månader eller år i ${zone}.`,
    register: 'Register',
    registerValue: (file, rows, keys, controllers) =>
      `${file}: ${rows} rader, ${keys} nycklar, ${controllers} personuppgiftsansvariga`,
    facts: 'Faktafil',
    language: 'Språk',
    callers: 'Uppringare',
    callersNone: 'räknas inte (mönstret saknar {caller})',
    callersFrom: (country) =>
      `från {caller} i filnamnen; nummer lästa med libphonenumber-js${country ? `, nummer utan landsnummer lästa som ${country}` : ' (ingen --country: nummer utan landsnummer kan inte placeras och räknas som "okänt")'}; dolda, anonyma, okända, privata och tomma nummer räknas som samtal med dolt nummer, inte som uppringare`,
    dates: 'Datum',
    guessed: 'Datum gissade från filernas ändringstider',
    folders: 'Mappar som inte kunde läsas',
    foldersValue: (n, reasons) => `${n} (deras filer räknas inte; de står i manifestet, --files): ${reasons}`,
    links: 'Symboliska länkar som inte följdes',
    special: 'Specialfiler som hoppades över (enheter, rör, socklar)',
    unmatched: 'Filer som mönstret inte matchade',
    topLevel: 'Filer ovanför kundnivån',
    unreadable: 'Oläsbara filer (räknade, längd okänd)',
    notCounted: 'RÄKNAS INTE',
    gap: {
      callers_not_deduplicated:
        'denna version av motorn ger inga uppringarmängder; olika uppringare i rader som slår ihop flera nycklar, och i totalen, är summor (en uppringare som ringde två nycklar räknas två gånger); uppringare per land anges inte',
      withheld_caller_calls_not_counted: 'denna version av motorn räknar inte samtal med dolt nummer (visas som 0)',
      past_retention_not_counted:
        'denna version av motorn räknar inte inspelningar som sparats längre än lagringstiden',
    },
    statements: 'Skrivna redogörelser',
  },

  workbook: {
    sheets: { summary: 'Sammanställning', months: 'Månader', countries: 'Länder', facts: 'Fakta', method: 'Metod' },
    item: 'Punkt',
    value: 'Värde',
    asWritten: 'Som skrivet (med tidsförskjutning)',
    cut: (left: string) => ` … (${left} tecken till: en cell rymmer högst 32 767; JSON-filen har alla)`,
    col: {
      customer: 'Nycklar (kundmappar eller linjer)',
      kind: 'Rad',
      controller: 'Personuppgiftsansvarig',
      org_id: 'Organisationsnummer',
      contact: 'Kontakt',
      data_subject_categories: 'Kategorier av registrerade',
      personal_data_categories: 'Kategorier av personuppgifter',
      completeness: 'Fullständighet',
      files: 'Filer',
      audio_files: 'Inspelningar (ljudfiler)',
      other_files: 'Andra filer',
      unreadable_files: 'Oläsbara filer',
      bytes: 'Byte',
      audio_seconds: 'Ljud (sekunder)',
      audio_hours: 'Ljud (timmar)',
      first_recording: 'Första inspelning',
      first_recording_text: 'Första inspelning (med tidsförskjutning)',
      last_recording: 'Sista inspelning',
      last_recording_text: 'Sista inspelning (med tidsförskjutning)',
      subjects_min: 'Registrerade (minst)',
      subjects_max: 'Registrerade (högst)',
      subjects_precision: 'Registrerade: precision',
      subjects_method: 'Registrerade: hur de räknades',
      distinct_callers: 'Olika uppringande nummer',
      callers_deduplicated: 'Uppringare utan dubbletter över nycklar',
      withheld_caller_calls: 'Samtal med dolt nummer',
      retention_days: 'Lagringstid (dagar)',
      past_retention_files: 'Inspelningar över lagringstid',
      past_retention_seconds: 'Över lagringstid (sekunder)',
      past_retention_hours: 'Över lagringstid (timmar)',
      oldest_past_retention: 'Äldsta över lagringstid',
      oldest_past_retention_text: 'Äldsta över lagringstid (med tidsförskjutning)',
      formats: 'Ljudformat',
      date_sources: 'Hur datumen hittades',
      unreadable_folders: 'Oläsbara mappar',
      hard_links: 'Extra namn (hårda länkar)',
      sparse_files: 'Glesa filer',
      month: 'Månad',
      recordings: 'Inspelningar',
      hours: 'Timmar',
      country: 'Land',
      callers: 'Olika uppringande nummer',
    },
    partial: '(AVBRUTEN GENOMSÖKNING: stoppad före slutet; varje siffra är en nedre gräns)',
    facts: {
      file: 'Faktafil',
      none: 'ingen angiven (--facts): varje punkt är att fylla i av personuppgiftsbiträdet',
      tree_name: 'Kopians namn (visas för de personuppgiftsansvariga)',
      processor_name: 'Personuppgiftsbiträde',
      processor_org_id: 'Personuppgiftsbiträdets organisationsnummer',
      processor_contact: 'Personuppgiftsbiträdets kontakt',
      processor_dpo: 'Personuppgiftsbiträdets dataskyddsombud',
      kind: 'Typ av anmälan',
      earlier_reference: 'Tidigare anmälan: referens',
      earlier_date: 'Tidigare anmälan: skickad',
      nature: 'Vad som hände',
      how_found: 'Hur den upptäcktes',
      discovered: 'Tidpunkt då den upptäcktes',
      exposure_start: 'Exponering från',
      exposure_end: 'Exponering till',
      unintelligible: 'Krypterade eller på annat sätt oläsbara',
      unintelligible_how: 'Hur (eller varför inte)',
      consequences: 'Sannolika konsekvenser',
      measures_taken: 'Vidtagna åtgärder',
      measures_proposed: 'Föreslagna åtgärder',
      data_subject_categories: 'Kategorier av registrerade (standard)',
      personal_data_categories: 'Kategorier av personuppgifter (standard)',
      advice_to_data_subjects: 'Råd till de registrerade (art. 34)',
    },
  },
};
