/*
 * The DTS core's Huffman code books (ETSI TS 102 114, annex D), as the code lengths of each book's
 * entries in the order of their codes and, where the decoder uses the value (bit allocation, scale
 * factors, transition modes), each entry's symbol. The codes are canonical in that order: each entry's
 * code is the one after the previous entry's, at its own length (the first all zeros). A length is one
 * base-36 digit. Every book is complete (its lengths' Kraft sum is 1), so any bits decode to an entry.
 * Checked against ffmpeg's (dcahuff.c) by decoding real encoders' frames: see dts.ts.
 */

/**
 * Quantisation index books, by ABITS 1 to 10 (3 to 129 levels), each group's books A to G (as many as
 * its quantiser select takes Huffman: 1, 3 or 7). Only the lengths: the audio values are not checked.
 */
export const DTS_QUANT_BOOKS: readonly (readonly string[])[] = [
  ['122'],
  ['12344', '22233', '13333'],
  ['1333455', '2235542', '4444222'],
  ['144366543', '233255553', '234665233'],
  ['1345664477654', '2344554336654', '3554333345544'],
  [
    '468accb9753234433',
    '23665568874433554',
    '35544577633443554',
    '19999887766554433',
    '13346655887667885',
    '68875433456633344',
    '33448876556788233',
  ],
  [
    '3344338aceedb988775566344',
    '6677799843345544366556644',
    '4435688744554466544577644',
    '33445566ccccbbaa877899233',
    '4455776688733557886677442',
    '334455446654458aa97788444',
    '35776424688753357aa99aa64',
  ],
  [
    '333466544577ddddccbbaa88994444665',
    '5543477655688744554478aa966775544',
    '577644445567998664455445547765566',
    '3577642468875335799aabbcceeeedd64',
    '455337788766424557889987667899775',
    '4466544577644445544469bba88995566',
    '4489976556788334499aa976556788344',
  ],
  [
    '4445544456677655688bddcceeffggggb99aa5577655688755557bddcbb99aa65',
    '69987788644554665568aa9777655678855669accb99778855665577668875566',
    '55677556655665588777556655789bba65567766555588766799856677668aa97',
    '338aa99bba87766554438adeeccdd988776655449bbaaccffffffedd988776655',
    '3665577668899855776443689977886556998778aa99aa8899776688aa99aa554',
    '445566778899abcceeeeddeeeeeeeeeeeeeedb33445566778899aabccdeecb344',
    '45678899aabba7654456788499abb9765456788449aabba97655678849abb8765',
  ],
  [
    '48899aaaa66775588998668aa9779aa88997667aa9889aa7557998668aa977889aa9974446655788bbaabb99778866aa99bba8877abb99aa886bba99abb767885',
    '5887799866557765568accb988776569aa876678996677887667998668bbaaa778866779988abceed966776688779aa9966776688778866bba99accb766788776',
    '789bba77668876666777886666779988aa966776677668876679abddc866899777667886677668876679986677668aa976678866779bba8767899778877aa9877',
    '5799864468cceedcaabb755799864468aacdffebbddc75579986468aaceffggggggggbbeedc7557998668aacdggfebbcc7557998668aaefggddeebbcc75579986',
    '555557765555555689bba76678866accb99aa778866667799bffeddeggggaaccb8866776666998778bggggggfddeeaaccb666677669988bfggffddeea96666776',
    '666689aa77766667886677669988aa9667766669ccbbb876678aa96666776666887666679bddca99666666666688766677788acdffeb99aa778877779988bcca9',
    '47bba9877665589accbaa9877665589bccbbaa9877665589ccba9987766558abccbba9987766558accbaa9987766558bccbbaa9987766558ddcba99abcdd87766',
  ],
];

/** Bit allocation books (12 levels, ABITS 1 to 12 as symbol + 1), by the channel's select 0 to 4. */
export const DTS_BITALLOC_BOOKS: readonly { lengths: string; symbols: readonly number[] }[] = [
  { lengths: '123456999988', symbols: [0, 1, 2, 3, 4, 5, 11, 10, 9, 8, 7, 6] },
  { lengths: '235777777651', symbols: [1, 2, 4, 11, 10, 9, 8, 7, 6, 5, 3, 0] },
  { lengths: '234776533443', symbols: [0, 4, 7, 11, 10, 9, 8, 3, 2, 6, 5, 1] },
  { lengths: '23456789aa22', symbols: [2, 3, 4, 5, 6, 7, 8, 9, 11, 10, 1, 0] },
  { lengths: '234588789971', symbols: [1, 2, 3, 4, 9, 8, 6, 7, 11, 10, 5, 0] },
];

/** Scale factor books (129 levels, the symbol less 64 a difference), by the channel's select 0 to 4. */
export const DTS_SCALE_BOOKS: readonly { lengths: string; symbols: readonly number[] }[] = [
  {
    lengths:
      '3588ddddddddddddddddbbddccdd996424677533588aabbeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee64',
    symbols: [
      66, 69, 55, 73, 40, 88, 41, 87, 42, 86, 43, 85, 44, 84, 45, 83, 46, 82, 47, 81, 51, 77, 48, 80, 50, 78, 49, 79,
      54, 74, 58, 61, 64, 67, 70, 57, 71, 60, 63, 65, 68, 56, 72, 53, 75, 52, 76, 0, 128, 1, 127, 2, 126, 3, 125, 4,
      124, 5, 123, 6, 122, 7, 121, 8, 120, 9, 119, 10, 118, 11, 117, 12, 116, 13, 115, 14, 114, 15, 113, 16, 112, 17,
      111, 18, 110, 19, 109, 20, 108, 21, 107, 22, 106, 23, 105, 24, 104, 25, 103, 26, 102, 27, 101, 28, 100, 29, 99,
      30, 98, 31, 97, 32, 96, 33, 95, 34, 94, 35, 93, 36, 92, 37, 91, 38, 90, 39, 89, 59, 62,
    ],
  },
  {
    lengths:
      '46677889eeeeddccffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffbba33355444466544',
    symbols: [
      69, 56, 72, 55, 73, 54, 74, 75, 48, 80, 49, 79, 50, 78, 51, 77, 0, 128, 1, 127, 2, 126, 3, 125, 4, 124, 5, 123, 6,
      122, 7, 121, 8, 120, 9, 119, 10, 118, 11, 117, 12, 116, 13, 115, 14, 114, 15, 113, 16, 112, 17, 111, 18, 110, 19,
      109, 20, 108, 21, 107, 22, 106, 23, 105, 24, 104, 25, 103, 26, 102, 27, 101, 28, 100, 29, 99, 30, 98, 31, 97, 32,
      96, 33, 95, 34, 94, 35, 93, 36, 92, 37, 91, 38, 90, 39, 89, 40, 88, 41, 87, 42, 86, 43, 85, 44, 84, 45, 83, 46,
      82, 47, 81, 52, 76, 53, 63, 65, 64, 58, 70, 60, 68, 61, 67, 57, 71, 59, 62, 66,
    ],
  },
  {
    lengths:
      '339988accbbdeedda7766554439988accbbffffffffffffffffffffffffffffffffffffffffffffffff77665544aa99ffffffffffffffffeedccdffeb88776655',
    symbols: [
      63, 65, 46, 82, 49, 79, 85, 38, 90, 41, 87, 93, 33, 95, 36, 92, 44, 52, 76, 55, 73, 58, 70, 61, 67, 64, 47, 81,
      50, 78, 84, 39, 89, 42, 86, 0, 128, 1, 127, 2, 126, 3, 125, 4, 124, 5, 123, 6, 122, 7, 121, 8, 120, 9, 119, 10,
      118, 11, 117, 12, 116, 13, 115, 14, 114, 15, 113, 16, 112, 17, 111, 18, 110, 19, 109, 20, 108, 21, 107, 22, 106,
      23, 105, 53, 75, 56, 72, 59, 69, 62, 66, 45, 83, 48, 80, 24, 104, 25, 103, 26, 102, 27, 101, 28, 100, 29, 99, 30,
      98, 31, 97, 34, 94, 37, 40, 88, 91, 32, 96, 35, 43, 51, 77, 54, 74, 57, 71, 60, 68,
    ],
  },
  {
    lengths:
      '2887655679aceedccbba94433887655679adffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeedccba44',
    symbols: [
      64, 53, 75, 55, 57, 59, 69, 71, 73, 77, 79, 83, 42, 86, 44, 46, 82, 48, 80, 50, 52, 61, 67, 63, 65, 54, 74, 56,
      58, 60, 68, 70, 72, 76, 78, 84, 0, 128, 1, 127, 2, 126, 3, 125, 4, 124, 5, 123, 6, 122, 7, 121, 8, 120, 9, 119,
      10, 118, 11, 117, 12, 116, 13, 115, 14, 114, 15, 113, 16, 112, 17, 111, 18, 110, 19, 109, 20, 108, 21, 107, 22,
      106, 23, 105, 24, 104, 25, 103, 26, 102, 27, 101, 28, 100, 29, 99, 30, 98, 31, 97, 32, 96, 33, 95, 34, 94, 35, 93,
      36, 92, 37, 91, 38, 90, 39, 89, 40, 88, 41, 87, 43, 85, 45, 47, 81, 49, 51, 62, 66,
    ],
  },
  {
    lengths:
      '5566778899aabccddffeeeb445566778899aabccddeffdb445566778899aabcca445566778899adeeffggggdbbccdggggggggggggggggggggggggggggeeffc455',
    symbols: [
      56, 72, 52, 76, 48, 80, 44, 84, 40, 88, 36, 92, 96, 28, 100, 24, 104, 16, 112, 20, 108, 21, 33, 61, 67, 57, 71,
      53, 75, 49, 79, 45, 83, 41, 87, 37, 91, 95, 29, 99, 25, 103, 107, 17, 111, 26, 34, 62, 66, 58, 70, 54, 74, 50, 78,
      46, 82, 42, 86, 38, 90, 94, 30, 98, 39, 63, 65, 59, 69, 55, 73, 51, 77, 47, 81, 43, 85, 89, 102, 22, 106, 18, 110,
      0, 128, 1, 127, 27, 35, 93, 31, 97, 101, 2, 126, 3, 125, 4, 124, 5, 123, 6, 122, 7, 121, 8, 120, 9, 119, 10, 118,
      11, 117, 12, 116, 13, 115, 14, 114, 15, 113, 23, 105, 19, 109, 32, 64, 60, 68,
    ],
  },
];

/** Transition mode books (4 levels: the subsubframe a transient starts in), by the channel's select 0 to 3. */
export const DTS_TMODE_BOOKS: readonly { lengths: string; symbols: readonly number[] }[] = [
  { lengths: '1233', symbols: [0, 1, 2, 3] },
  { lengths: '1233', symbols: [3, 0, 1, 2] },
  { lengths: '1233', symbols: [2, 3, 0, 1] },
  { lengths: '2222', symbols: [0, 1, 2, 3] },
];
