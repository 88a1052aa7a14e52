// SentencePiece's unicode_script.cc in TypeScript: the Unicode script of a code point (GetScript),
// which the trainer uses to keep pieces inside one script (split_by_unicode_script). SentencePiece
// compiles Scripts.txt into a table; here JavaScript's \p{Script=...} (Node's ICU) answers, one
// regular expression per script, and each code point's answer is cached. Code points in no listed
// script are Common, as in GetScript.

/** Script names of Unicode's Scripts.txt, as JavaScript's \p{Script=...} knows them. */
const SCRIPT_NAMES = [
  "Latin", "Greek", "Cyrillic", "Armenian", "Hebrew", "Arabic", "Syriac", "Thaana", "Devanagari", "Bengali", "Gurmukhi", "Gujarati",
  "Oriya", "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Tibetan", "Myanmar", "Georgian", "Hangul",
  "Ethiopic", "Cherokee", "Canadian_Aboriginal", "Ogham", "Runic", "Khmer", "Mongolian", "Hiragana", "Katakana", "Bopomofo", "Han",
  "Yi", "Old_Italic", "Gothic", "Deseret", "Inherited", "Tagalog", "Hanunoo", "Buhid", "Tagbanwa", "Limbu", "Tai_Le", "Linear_B",
  "Ugaritic", "Shavian", "Osmanya", "Cypriot", "Braille", "Buginese", "Coptic", "New_Tai_Lue", "Glagolitic", "Tifinagh",
  "Syloti_Nagri", "Old_Persian", "Kharoshthi", "Balinese", "Cuneiform", "Phoenician", "Phags_Pa", "Nko", "Sundanese", "Lepcha",
  "Ol_Chiki", "Vai", "Saurashtra", "Kayah_Li", "Rejang", "Lycian", "Carian", "Lydian", "Cham", "Tai_Tham", "Tai_Viet", "Avestan",
  "Egyptian_Hieroglyphs", "Samaritan", "Lisu", "Bamum", "Javanese", "Meetei_Mayek", "Imperial_Aramaic", "Old_South_Arabian",
  "Inscriptional_Parthian", "Inscriptional_Pahlavi", "Old_Turkic", "Kaithi", "Batak", "Brahmi", "Mandaic", "Chakma",
  "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Sharada", "Sora_Sompeng", "Takri", "Caucasian_Albanian", "Bassa_Vah",
  "Duployan", "Elbasan", "Grantha", "Pahawh_Hmong", "Khojki", "Linear_A", "Mahajani", "Manichaean", "Mende_Kikakui", "Modi", "Mro",
  "Old_North_Arabian", "Nabataean", "Palmyrene", "Pau_Cin_Hau", "Old_Permic", "Psalter_Pahlavi", "Siddham", "Khudawadi", "Tirhuta",
  "Warang_Citi", "Ahom", "Anatolian_Hieroglyphs", "Hatran", "Multani", "Old_Hungarian", "SignWriting", "Adlam", "Bhaiksuki",
  "Marchen", "Newa", "Osage", "Tangut", "Masaram_Gondi", "Nushu", "Soyombo", "Zanabazar_Square", "Dogra", "Gunjala_Gondi",
  "Makasar", "Medefaidrin", "Hanifi_Rohingya", "Sogdian", "Old_Sogdian", "Elymaic", "Nandinagari", "Nyiakeng_Puachue_Hmong",
  "Wancho", "Chorasmian", "Dives_Akuru", "Khitan_Small_Script", "Yezidi", "Cypro_Minoan", "Old_Uyghur", "Tangsa", "Toto",
  "Vithkuqi", "Kawi", "Nag_Mundari",
];
/** Script number of code points in no listed script (Scripts.txt's Common, Zyyy). */
const COMMON = 0;
let scriptRegexes: Array<[number, RegExp]> | undefined;
const scriptCache = new Map<number, number>();
export const HAN = 1 + SCRIPT_NAMES.indexOf("Han");
export const INHERITED = 1 + SCRIPT_NAMES.indexOf("Inherited");
export const HIRAGANA = 1 + SCRIPT_NAMES.indexOf("Hiragana");
export const KATAKANA = 1 + SCRIPT_NAMES.indexOf("Katakana");

/** Script number of a code point: 0 Common, else 1 + index in SCRIPT_NAMES. */
export function scriptOf(cp: number): number {
  let s = scriptCache.get(cp);
  if (s !== undefined) return s;
  scriptRegexes ??= SCRIPT_NAMES.map((name, i) => [i + 1, new RegExp(`^\\p{Script=${name}}$`, "u")] as [number, RegExp]);
  const ch = String.fromCodePoint(cp);
  s = COMMON;
  for (const [id, re] of scriptRegexes) {
    if (re.test(ch)) {
      s = id;
      break;
    }
  }
  scriptCache.set(cp, s);
  return s;
}
