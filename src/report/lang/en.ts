/**
 * Every word the statements, method.html, the index and the workbook show, in English. One table per
 * language (sv.ts has the same shape, checked by the type and by test/lang.test.ts), so that a
 * statement is never half translated and a new sentence cannot be added in one language only.
 * Numbers reach these functions already formatted for the language (lang/index.ts).
 */

const s = (n: number, one: string, many: string): string => (n === 1 ? one : many);

export const en = {
  /** the HTML lang attribute and the Intl locale for numbers */
  htmlLang: 'en',
  numberLocale: 'en-US',
  tbc: 'to be completed by the processor',
  none: 'none',
  notKnown: 'not known',
  yes: 'yes',
  no: 'no',
  to: 'to',
  page: (n: string, m: string) => `page ${n} of ${m}`,
  treeDefault: 'the leaked copy of the call recordings',

  precision: {
    exact: 'exact',
    approximate: 'approximate',
    'lower bound': 'lower bound',
    'cannot be determined': 'cannot be determined',
  },

  kind: {
    controller: 'controller',
    unregistered: 'key not in the register',
    customer: 'customer',
    unmatched: 'files the pattern did not match',
    'top-level': 'files above the customer folders',
    total: 'total',
  },

  /** why a row or the run is incomplete (completeness.ts's phrases; also the CSV/JSON cell) */
  gap: {
    stopped: 'the scan was stopped before the end',
    shardsMissing: (missing: string, count: number) =>
      missing.includes(',')
        ? `shards ${missing} of ${count} were not merged: the customers of those slices were not read`
        : `shard ${missing} of ${count} was not merged: the customers of that slice were not read`,
    shardsRoots: (roots: string) =>
      `the shards scanned different folders (${roots}): that they are one tree cannot be told from their case files`,
    emptyTree: 'no file at all was found in the folder scanned',
    unreadFoldersRun: (n: string, k: number) => `${n} ${s(k, 'folder', 'folders')} could not be read`,
    unreadFoldersRow: (n: string, k: number) =>
      `${n} ${s(k, 'folder that could hold its files', 'folders that could hold its files')} could not be read`,
    examples: (more: boolean, list: string) => ` (${more ? 'e.g. ' : ''}${list})`,
    unattributed: (n: string, k: number) =>
      `${n} ${s(k, 'file', 'files')} could not be attributed to any customer (the pattern did not match, or above the customer folders)`,
    unopened: (n: string, k: number) =>
      `${n} ${s(k, 'file', 'files')} could not be opened or read (permission denied or an I/O error): whether ${s(k, 'it is a recording', 'they are recordings')}, and how long, is not known`,
    links: (n: string, k: number) => `${n} ${s(k, 'symbolic link was', 'symbolic links were')} not followed`,
    otherNotOpened: (n: string, k: number) =>
      `${n} other ${s(k, 'file', 'files')} (archives, encrypted or unknown formats) ${s(k, 'was', 'were')} not opened as recordings; ${s(k, 'it', 'they')} may hold some`,
    linked: (n: string, k: number) =>
      `${n} ${s(k, 'file', 'files')} of its folder ${s(k, 'is the same file', 'are the same files')} (hard links) as ${s(k, 'a file', 'files')} counted under another name, maybe another customer's: ${s(k, 'it', 'they')} may be its recordings`,
    /** the run: rows incomplete for their own files alone (completeness.ts ownFileGaps); example: the first's name */
    ownGapRows: (n: string, k: number, example?: string) =>
      `${n} ${s(k, 'row', 'rows')} of the summary${example === undefined ? '' : ` (e.g. "${example}")`} ${s(k, 'holds', 'hold')} files not counted as recordings that may hold some (archives, encrypted or unknown formats, or hard links to files counted under another name)`,
    special: (n: string, k: number) =>
      `${n} ${s(k, 'special file was', 'special files were')} skipped (devices, pipes, sockets)`,
    /** a customer found only like a key not found (completeness.ts Lookalike): not merged */
    lookalike: (folder: boolean, name: string, key: string, n: string, k: number, recordings: boolean) =>
      `a customer ${folder ? 'folder ' : ''}named like its key "${key}", "${name}", holds ${n} ${recordings ? s(k, 'recording', 'recordings') : s(k, 'file', 'files')} that may be its (not merged: whether it is the same customer is for a person to decide)`,
    lookalikeMore: (n: string, k: number) => `${n} more ${s(k, 'customer', 'customers')} named like its keys`,
    lookalikeKeys: (n: string, k: number, key: string, name: string) =>
      `${n} of the register's keys ${s(k, 'was', 'were')} not found but ${s(k, 'is', 'are')} named like a customer found (e.g. key "${key}", customer "${name}"): ${s(k, 'its controller', 'their controllers')} cannot be ruled out`,
    /** files placed under another {customer} value whose names the pattern also reads with a key (round 24b C5) */
    twoWays: (n: string, k: number) =>
      `${n} ${s(k, 'file', 'files')} whose ${s(k, 'name', 'names')} the pattern reads two ways could be its (placed under another {customer} value)`,
    twoWayKeys: (n: string, k: number, key: string) =>
      `${n} of the register's keys could be the {customer} of files whose names the pattern reads two ways (e.g. key "${key}"): ${s(k, 'its controller', 'their controllers')} cannot be ruled out`,
    /** with a register, customers no key names hold what may be recordings (completeness.ts Unassigned) */
    unassignedRow: (folder: boolean, n: string, k: number, hold: string) =>
      `${n} ${folder ? s(k, 'customer folder', 'customer folders') : s(k, 'customer', 'customers')} that no key of the register names ${s(k, 'holds', 'hold')} ${hold}: until each is assigned to its controller in the register, some may be this controller's`,
    /** a customer no key names, its own row: who owns it is not known, and what else is theirs (round 27 L1) */
    unassignedOwner: (folder: boolean, n: string, k: number, hold: string) =>
      `no key of the register names this ${folder ? 'customer folder' : 'customer'}, so its controller is not known: until it is assigned in the register, that controller's recordings elsewhere are not in these figures (${n} ${folder ? s(k, 'customer folder', 'customer folders') : s(k, 'customer', 'customers')} that no key names, this one included, ${s(k, 'holds', 'hold')} ${hold})`,
    unassignedRun: (folder: boolean, n: string, k: number, hold: string, example?: string) =>
      `${n} ${folder ? s(k, 'customer folder', 'customer folders') : s(k, 'customer', 'customers')}${example === undefined ? '' : ` (e.g. "${example}")`} that no key of the register names ${s(k, 'holds', 'hold')} ${hold}: no controller can be ruled out until each is assigned in the register (a row of its key and its controller)`,
    /** what those customers hold: files that are or may be recordings, folders that could not be read */
    unassignedHold: (f: string, files: number, d: string, folders: number) =>
      [
        ...(files
          ? [`${f} ${s(files, 'file that is or may be a recording', 'files that are or may be recordings')}`]
          : []),
        ...(folders ? [`${d} ${s(folders, 'folder that could not be read', 'folders that could not be read')}`] : []),
      ].join(' and '),
    complete: 'complete',
    incomplete: (why: string) => `incomplete: ${why}`,
  },

  statement: {
    title: (name: string) => `${name}: personal data breach`,
    kicker: 'Personal data breach: information from the processor to the controller (Art. 33(2) GDPR)',
    unknownOwner: (key: string) => `Unknown owner of ${key}`,
    intro: (tree: string, date: string) =>
      `What concerns this controller in ${tree}, examined on ${date}. The items follow the supervisory authority's notification form (Art. 33(3) GDPR), so that each can be copied into it.`,
    introKey: (tree: string, date: string) =>
      `What concerns this key in ${tree}, examined on ${date}. Its owner is not in the processor's register.`,
    times: (zone: string) => `Times are local time in ${zone}.`,
    runPartial: 'The examination was stopped before the end: every figure is a lower bound.',
    runIncomplete: 'Part of the copy could not be read or attributed: see Completeness.',
    whoController: 'this controller',
    whoKey: 'this key',
    itsKey: 'its key',
    itsKeys: 'any of its keys',
    notAffected: (who: string, its: string) =>
      `Nothing was found for ${who}: no file under ${its} in the copy examined, and every part of it that could hold its recordings was read. Not affected by this breach, as far as this copy goes.`,
    notAffectedElsewhere: (n: string, k: number, its: string) =>
      ` (${n} ${s(k, 'folder', 'folders')} of the copy could not be read, but none of them could hold files of ${its}.)`,
    cannotRuleOut: (who: string, gaps: string) =>
      `Nothing was found for ${who} in the parts of the copy that could be read, but the copy could not be read completely: ${gaps}. Its exposure CANNOT BE RULED OUT: recordings of ${who} may be in what could not be read.`,
    cannotRuleOutLike: (who: string, gaps: string) =>
      `Nothing was found for ${who} under its key as the register spells it, but ${gaps}. Its exposure CANNOT BE RULED OUT: recordings of ${who} may be there, under another spelling of its key.`,
    lowerBoundsLike: (who: string, gaps: string) =>
      `The figures below are LOWER BOUNDS: ${gaps}. More recordings of ${who} may be there, under another spelling of its key.`,
    cannotRuleOutOwn: (who: string, gaps: string) =>
      `Files were found for ${who} that were not counted as its recordings: ${gaps}. Its exposure CANNOT BE RULED OUT.`,
    lowerBoundsOwn: (who: string, gaps: string) =>
      `The figures below are LOWER BOUNDS: ${gaps}. More recordings of ${who} may be in those files.`,
    cannotRuleOutUnassigned: (who: string, gaps: string) =>
      `Nothing was found for ${who} under the keys the register gives it, but ${gaps}. Its exposure CANNOT BE RULED OUT: recordings of ${who} may be among them.`,
    lowerBoundsUnassigned: (who: string, gaps: string) =>
      `The figures below are LOWER BOUNDS: ${gaps}. More recordings of ${who} may be among them.`,
    lowerBounds: (who: string, gaps: string) =>
      `The figures below are LOWER BOUNDS: the copy could not be read completely (${gaps}). More recordings of ${who} may be in what could not be read.`,

    notification: 'Notification',
    kindLabel: 'Kind of notification',
    initial: 'initial notification',
    followUp: 'follow-up of an earlier notification',
    earlierRef: 'Earlier notification: reference',
    earlierDate: 'Earlier notification: sent',

    parties: 'Controller and processor',
    controller: 'Controller',
    notInRegister: 'not in the register: whose this is must be found out',
    orgId: 'Organisation number',
    contact: 'Contact',
    keyOne: 'Key (customer folder or line)',
    keysMany: (n: string) => `Keys (${n}: customer folders or lines)`,
    processor: 'Processor',
    processorOrgId: "Processor's organisation number",
    processorContact: "Processor's contact",
    dpo: "Processor's data protection officer",

    breach: 'The breach',
    nature: 'What happened',
    howFound: 'How it was found',
    discovered: 'Time of discovery (by the processor)',
    exposure: 'Exposure (when the recordings could be reached)',
    exposureSince: (t: string) => `from ${t}, end not given`,
    exposureUntil: (t: string) => `until ${t}, start not given`,
    type: 'Type of breach',
    typeValue:
      'confidentiality: the recordings below were in the leaked copy; integrity and availability are not assessed here',
    unintelligible: 'Encrypted or otherwise unintelligible',
    unintelligibleYes: 'yes',
    unintelligibleNo: 'no',

    subjects: 'Data subjects',
    subjectCategories: 'Categories of data subjects',
    subjectsNumber: 'Number of data subjects',
    precisionLabel: 'Precision',
    methodLabel: 'How it was counted',
    distinctCallers: 'Distinct calling numbers',
    notDeduplicated: ' (a sum over keys: not de-duplicated)',
    withheld: 'Calls with a withheld number',
    byCountry: 'Callers by country',
    country: 'Country',
    callers: 'Calling numbers',
    unknownCountry: 'unknown',

    records: 'Personal data records',
    dataCategories: 'Categories of personal data',
    recordings: 'Recordings (audio files)',
    recordingsNotRead: 'none found in the parts of the copy that were read; the rest is not known',
    recordingsPrecision: 'Precision of the number of recordings',
    recordingsMethod: {
      exact: 'every file of this controller in the copy was read and counted',
      unreadable: (n: string) =>
        `${n} more files look like recordings but could not be read: the number is between the count and the count plus these`,
      lower: 'part of the copy that could hold more recordings was not read',
      own: 'files that may hold recordings were not counted as recordings (see Completeness)',
      unassigned:
        'customers that no key of the register names hold files that are or may be recordings, their controllers not yet known (see Completeness)',
      notRead: 'nothing was counted in what could be read, and what was not read or not counted may hold recordings',
    },
    hours: 'Length of the recordings',
    hoursValue: (h: string, sec: string) => `${h} hours (${sec} seconds)`,
    period: 'Period of the recordings (start of the first and of the last)',
    codecs: 'Audio formats',
    unreadableFiles: 'Unreadable files (look like recordings, length unknown)',
    otherFiles: 'Other files',
    filesInAll: 'Files in all',
    filesBytes: (n: string, b: string) => `${n} (${b} bytes)`,
    retention: 'Retention period',
    retentionDays: (d: string) => `${d} days`,
    noRetention: 'No retention period was given for this controller: recordings kept past retention are not counted.',
    asOf: 'Retention reckoned as of',
    asOfScanStart: ' (the examination start)',
    pastRetention: 'Recordings kept past the retention period',
    pastNotCounted: 'not counted (see the method)',
    pastHours: 'Their length',
    oldestPast: 'The oldest of them started',

    completeness: 'Completeness',
    completeRead: 'complete: everything that could hold its recordings was read',
    completeNothing: 'complete: everything that could hold its recordings was read; nothing was found',
    incompleteLabel: 'INCOMPLETE',
    incompleteRead: (gaps: string) => `${gaps}; the figures are lower bounds`,
    incompleteNothing: (gaps: string) => `${gaps}; exposure cannot be ruled out`,

    consequences: 'Likely consequences',
    measures: 'Measures',
    measuresTaken: 'Measures taken',
    measuresProposed: 'Measures proposed',
    communication: 'Communication to the data subjects (Art. 34)',
    advice: 'What the controller may tell the data subjects',
    contactPoint: 'Contact point for more information',

    method: 'Method',
    methodHow: 'How it was measured',
    methodHowValue:
      "every file in the copy was listed and every recording's length read from the audio itself (its header and data), not from its name; recordings are attributed to the controller by the lines (keys) in the processor's register",
    methodTool: 'Tool',
    methodScan: 'Examined',
    methodTree: 'Copy examined',
    methodDates: 'Dates of the recordings',
    methodDatesNone: 'no recording dated',
    methodCallers: 'Callers',
    methodInPlace: 'Sized in place',
    methodInPlaceValue: (requests: string, bytes: string, share: string) =>
      `over HTTP, without copying: from the web server's folder listings and the first bytes of each file (${requests} requests, ${bytes} bytes received: ${share} of the files' bytes). Names a listing leaves out are not seen (nginx and lighttpd leave out names starting with a dot; Apache what its IndexIgnore names): "complete" and "not affected" are as far as the server's listings show`,

    chart: 'Recordings per month',
    chartNone: 'No dated recordings.',
    chartLabel: 'Recordings per month',
    chartTip: (month: string, n: string, k: number, h: string) =>
      `${month}: ${n} ${s(k, 'recording', 'recordings')}, ${h} h`,

    footer:
      'Figures: measured in the leaked copy by the method above. Items marked "to be completed by the processor" were not given to the tool and are not guessed.',
  },

  /** how the data subjects were counted (the JSON's subjects.method is the English one) */
  subjectsMethod: {
    noRecordings: 'no recordings were found',
    noCaller:
      'the file names do not carry the caller (no {caller} in --pattern), so callers cannot be counted; at most one caller per recording (each call has at least one other party, the person answering, not counted here)',
    noCallerCalls: 'no recordings with a caller were found',
    callers: (n: string) =>
      `distinct calling numbers in the file names (${n}; the same number written nationally or with its country code counted once)`,
    withheld: (n: string) => `, plus up to one person for each of the ${n} calls whose number was withheld or unknown`,
    noWithheld: ', no call had a withheld number',
    caveat:
      '; one number may be used by several people and one person may use several numbers, and the people answering are not counted',
    // not read, or (round 23b H2, H3) files of the row not counted as recordings: archives, hard links
    lower:
      '; a LOWER BOUND: part of the tree that could hold more recordings was not read or not counted as recordings',
    notRead:
      'nothing was counted in the parts of the tree that were read, and what was not read or not counted as recordings may hold some: the number of data subjects is not known',
  },

  /** how each recording's start was found (method.ts's date rules), in plain words */
  dateRule: {
    pattern: 'the date in the file name (read with the pattern)',
    filename: 'a time stamp in the file name',
    riff: "the date written in the WAV file's header (INFO/ICRD)",
    bwf: "the origination date and time in the WAV file's broadcast header (BWF)",
    id3: 'the recording time in the MP3 tags (ID3)',
    mp4: "the MP4 file's creation time",
    folder: 'the year/month/day folders (the day only; midnight used)',
    'folder+mtime': "the year/month/day folders, the time of day from the file's modification time",
    mtime: "the file's modification time less its length (a guess: only as good as the copy that kept the times)",
    'folder+last-modified': "the year/month/day folders, the time of day from the web server's Last-Modified time",
    'last-modified':
      "the web server's Last-Modified time of the file less its length (a guess: only as good as the server's copy of the file)",
  } as Record<string, string>,
  dateRuleCount: (n: string, rule: string) => `${n} by ${rule}`,

  index: {
    title: 'Statements (processor only)',
    sub: (n: string, from: string, to: string) => `${n} statements; examined ${from} to ${to}.`,
    onlyProcessor:
      'For the processor only: this page lists every controller and links the method (method.html). Send each controller its own page only.',
    method: 'Full method (method.html)',
    name: 'Controller or key',
    keys: 'Keys',
    recordings: 'Recordings',
    hours: 'Hours',
    past: 'Past retention',
    subjects: 'Data subjects',
    found: 'Found',
    notRegistered: '(not in the register)',
    yes: 'yes',
    yesLower: '(lower bounds: not all read)',
    notAffected: 'no: not affected',
    cannotRuleOut: 'nothing found in what was read: CANNOT BE RULED OUT',
    total: '(total)',
  },

  /** a follow-up statement's section (--from CASE --since M): what changed since the initial notification */
  followUp: {
    title: 'Since the initial notification',
    intro: (date: string) =>
      `Compared with the examination the initial notification was based on (ended ${date}), as the processor's case file keeps both: every file is counted, a recording or not, and a file is the same file when its path and its owner are.`,
    introUnended: (date: string) =>
      `Compared with the examination the initial notification was based on (started ${date}; it never finished), as the processor's case file keeps both: every file is counted, a recording or not, and a file is the same file when its path and its owner are.`,
    noChange: (date: string) =>
      `No recordings added or removed since the initial notification of ${date}: the figures are those given then.`,
    incomplete: (why: string) =>
      `This comparison is INCOMPLETE: ${why}. A figure an examination did not read is shown as not read; a file one of them could not attribute may count as removed or added, so the changes below may be too many or too few, and that nothing changed cannot be said.`,
    gapEarlier: {
      stopped: 'the earlier examination was stopped before the end',
      unfinished: 'the earlier examination never finished',
      gaps: 'the earlier examination could not read or attribute every file',
    },
    gapLater: {
      stopped: 'this examination was stopped before the end',
      unfinished: 'this examination never finished',
      gaps: 'this examination could not read or attribute every file',
    },
    gapRow: 'not everything that could hold its files was read in this examination (see Completeness)',
    notRead: 'not read',
    rowNotRead: (which: string) =>
      `What could hold its recordings was not read in ${which}: the figures that depend on it are shown as "not read", not as 0 or removed.`,
    laterExamination: 'this examination',
    earlierExamination: 'the earlier examination',
    bothExaminations: 'either examination',
    figure: 'Figure',
    then: 'Then',
    now: 'Now',
    added: 'Added',
    removed: 'Removed',
    changed: 'Changed',
    files: 'Files',
    hours: 'Hours of audio',
    callers: 'Distinct calling numbers',
    changedNote:
      'Changed: the same file with another size, modification time or length (in hours: the length it gained, or lost if negative).',
    indexNotice: (date: string, since: string, run: string) =>
      `These statements are follow-ups to the notification of ${date} (run ${since} of the case file; the figures are run ${run}'s): each says what changed for its controller since then.`,
    indexIncomplete: (why: string) => `The comparison is incomplete: ${why}.`,
  },
  method: {
    title: 'Method (processor only)',
    sub: "The full method of the examination: for the processor, not for the controllers (it names the processor's folders, files and the number of its customers).",
    tool: 'Tool',
    command: 'Command line',
    interactive: '(interactive)',
    folder: 'Folder scanned',
    inPlace: 'Sized in place (over HTTP)',
    scanStart: 'Scan start',
    scanEnd: 'Scan end',
    completeness: 'Completeness',
    complete: 'complete: every folder was read, and every file found was read and given to a customer',
    incomplete: (partial: boolean, why: string) =>
      `${partial ? 'PARTIAL' : 'INCOMPLETE'}: ${why}. Every figure is a LOWER BOUND, and a controller with nothing found cannot be said to be unaffected unless its own statement says that everything that could hold its recordings was read.`,
    scope: 'Scope of this file',
    scopeValue: (rows: string, of: string, chosen: string) =>
      `PART of the summary: ${rows} of ${of} rows (${chosen}); the total is of these rows only`,
    zone: 'Time zone',
    pattern: 'Pattern',
    noPattern: '(none: customer = the folder at the depth below)',
    depth: 'Depth',
    asOf: 'As of',
    asOfGiven: '--as-of',
    asOfScanStart: 'the scan start (no --as-of given)',
    notUsed: 'not used',
    retention: 'Retention',
    retentionNone: 'none given: recordings kept past retention are not counted',
    retentionDefault: (text: string, days: string, cutoff: string) =>
      `${text} by default (${days} days before the as-of date: recordings that started before ${cutoff} are past retention)`,
    retentionKeyed: (n: string, k: number, days: string, cutoff: string) =>
      `register retention_days for ${n} ${s(k, 'key', 'keys')} (e.g. ${days} days: started before ${cutoff})`,
    retentionRule: (zone: string) =>
      `A recording is past retention when its start + the retention is before the as-of time; the retention is subtracted from the as-of time in calendar days, weeks, months or years in ${zone}.`,
    register: 'Register',
    registerValue: (file: string, rows: string, keys: string, controllers: string) =>
      `${file}: ${rows} rows, ${keys} keys, ${controllers} controllers`,
    facts: 'Facts file',
    language: 'Language',
    callers: 'Callers',
    callersNone: 'not counted (the pattern has no {caller})',
    callersFrom: (country: string | null) =>
      `from {caller} in the file names; numbers read with libphonenumber-js${country ? `, numbers without a country code read as ${country}` : ' (no --country: numbers without a country code cannot be placed and count under "unknown")'}; withheld, anonymous, unknown, private and empty numbers are counted as withheld calls, not callers`,
    dates: 'Dates',
    guessed: "Dates guessed from the files' modification times",
    folders: 'Folders that could not be read',
    foldersValue: (n: string, reasons: string) =>
      `${n} (their files are not counted; listed in the manifest, --files): ${reasons}`,
    links: 'Symbolic links not followed',
    special: 'Special files skipped (devices, pipes, sockets)',
    unmatched: 'Files the pattern did not match',
    topLevel: 'Files above the customer level',
    unreadable: 'Unreadable files (counted, length unknown)',
    notCounted: 'NOT COUNTED',
    gap: {
      callers_not_deduplicated:
        'this build of the engine gives no caller sets; distinct callers of rows that merge several keys, and of the total, are sums (a caller who rang two keys counts twice); callers by country are not given',
      withheld_caller_calls_not_counted:
        'this build of the engine does not count calls with a withheld number (shown as 0)',
      past_retention_not_counted: 'this build of the engine does not count recordings past retention',
    } as Record<string, string>,
    statements: 'Statements written',
  },

  /** the workbook: sheet names, column headings, the Facts sheet */
  workbook: {
    sheets: { summary: 'Summary', months: 'Months', countries: 'Countries', facts: 'Facts', method: 'Method' },
    item: 'Item',
    value: 'Value',
    asWritten: 'As written (with offset)',
    cut: (left: string) => ` … (${left} more characters: a cell holds at most 32,767; the JSON has them all)`,
    col: {
      customer: 'Keys (customer folders or lines)',
      kind: 'Row',
      controller: 'Controller',
      org_id: 'Organisation number',
      contact: 'Contact',
      data_subject_categories: 'Categories of data subjects',
      personal_data_categories: 'Categories of personal data',
      completeness: 'Completeness',
      files: 'Files',
      audio_files: 'Recordings (audio files)',
      other_files: 'Other files',
      unreadable_files: 'Unreadable files',
      bytes: 'Bytes',
      audio_seconds: 'Audio (seconds)',
      audio_hours: 'Audio (hours)',
      first_recording: 'First recording',
      first_recording_text: 'First recording (with offset)',
      last_recording: 'Last recording',
      last_recording_text: 'Last recording (with offset)',
      subjects_min: 'Data subjects (at least)',
      subjects_max: 'Data subjects (at most)',
      subjects_precision: 'Data subjects: precision',
      subjects_method: 'Data subjects: how counted',
      distinct_callers: 'Distinct calling numbers',
      callers_deduplicated: 'Callers de-duplicated across keys',
      withheld_caller_calls: 'Calls with a withheld number',
      retention_days: 'Retention (days)',
      past_retention_files: 'Recordings past retention',
      past_retention_seconds: 'Past retention (seconds)',
      past_retention_hours: 'Past retention (hours)',
      oldest_past_retention: 'Oldest past retention',
      oldest_past_retention_text: 'Oldest past retention (with offset)',
      formats: 'Audio formats',
      date_sources: 'How the dates were found',
      unreadable_folders: 'Unreadable folders',
      hard_links: 'Extra names (hard links)',
      sparse_files: 'Sparse files',
      month: 'Month',
      recordings: 'Recordings',
      hours: 'Hours',
      country: 'Country',
      callers: 'Distinct calling numbers',
    },
    partial: '(PARTIAL SCAN: stopped before the end; every figure is a lower bound)',
    facts: {
      file: 'Facts file',
      none: 'none given (--facts): every item is to be completed by the processor',
      tree_name: 'Name of the copy (shown to controllers)',
      processor_name: 'Processor',
      processor_org_id: "Processor's organisation number",
      processor_contact: "Processor's contact",
      processor_dpo: "Processor's data protection officer",
      kind: 'Kind of notification',
      earlier_reference: 'Earlier notification: reference',
      earlier_date: 'Earlier notification: sent',
      nature: 'What happened',
      how_found: 'How it was found',
      discovered: 'Time of discovery',
      exposure_start: 'Exposure from',
      exposure_end: 'Exposure until',
      unintelligible: 'Encrypted or otherwise unintelligible',
      unintelligible_how: 'How (or why not)',
      consequences: 'Likely consequences',
      measures_taken: 'Measures taken',
      measures_proposed: 'Measures proposed',
      data_subject_categories: 'Categories of data subjects (default)',
      personal_data_categories: 'Categories of personal data (default)',
      advice_to_data_subjects: 'Advice to the data subjects (Art. 34)',
    },
  },
};

export type Strings = typeof en;
