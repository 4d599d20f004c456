//! Chat bad-word filter: masks listed Korean and English profanity and slurs with `*`.
//!
//! Messages are compared on a normalized copy, so the simple tricks people use to slip a word
//! past a filter do not work: NFKC folds fullwidth and compatibility forms (`ｆｕｃｋ`, the jamo
//! `ㅅ`), case is lowered, everything that is not a letter or digit is dropped (spaces,
//! punctuation, symbols, emoji, zero-width and other invisible characters: `씨 발`, `시.발`),
//! and each run of one character collapses to one (`씨씨씨발`). Every normalized character
//! remembers the original characters it came from, so a match masks exactly the original span
//! from its first to its last character, one `*` per character: the message keeps its length
//! and everything around the word.
//!
//! The filter masks rather than refuses: a message with a bad word in it is still delivered,
//! so the conversation goes on.
//!
//! The list is `server/data/bad_words.txt`, compiled in; its header describes the format,
//! including the `!` lines that allow ordinary words containing a listed one (`시발점`,
//! "starting point"). Not caught: digits inside a word unless listed that way (`씨1발`),
//! stretched vowels (`시이이발`), Hangul typed as separate conjoining jamo, and look-alike
//! letters of other scripts. Because spaces are dropped, a word can also match across two
//! ordinary words; allowed words cover the common cases.

use std::borrow::Cow;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization;

/// The word list compiled into the server.
const EMBEDDED_LIST: &str = include_str!("../../../data/bad_words.txt");

/// Starts a comment line in a word list.
const COMMENT_PREFIX: char = '#';

/// Starts an allowed word in a word list.
const ALLOW_PREFIX: char = '!';

/// What each masked character becomes.
const MASK_CHAR: char = '*';

/// The longest list entry kept, in normalized characters. It bounds the work of
/// [`WordFilter::mask`] at O(words × len × `MAX_WORD_CHARS`), which is O(words × len).
const MAX_WORD_CHARS: usize = 32;

/// Invisible characters dropped before matching, as inclusive ranges: zero-width spaces and
/// joiners, direction marks and embeddings, word joiner and invisible operators, the byte
/// order mark, soft hyphen, combining grapheme joiner, Mongolian vowel separator, and the
/// Hangul fillers (letters by category, yet they show nothing).
const INVISIBLE: [(char, char); 11] = [
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{180E}', '\u{180E}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{2064}'),
    ('\u{2066}', '\u{2069}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
];

/// The embedded list, parsed on first use.
static EMBEDDED: LazyLock<WordFilter> = LazyLock::new(|| WordFilter::parse(EMBEDDED_LIST));

/// The word list compiled into the server: `server/data/bad_words.txt`.
#[derive(Debug)]
pub struct WordFilter {
    /// Listed words, normalized, non-empty, sorted and deduplicated.
    words: Vec<Vec<char>>,
    /// Allowed words (`!` lines), normalized, non-empty, sorted and deduplicated.
    allowed: Vec<Vec<char>>,
}

impl WordFilter {
    /// Parses a word list: one word a line, `#` comments and blank lines ignored; words are normalized the same way as text.
    ///
    /// Lines starting with `!` are allowed words: a match lying entirely inside an occurrence
    /// of one is not masked. Entries that normalize to nothing, or to more than
    /// `MAX_WORD_CHARS` (32) characters, are skipped.
    pub fn parse(list: &str) -> Self {
        let mut words = Vec::new();
        let mut allowed = Vec::new();
        for line in list.lines().map(str::trim) {
            if line.is_empty() || line.starts_with(COMMENT_PREFIX) {
                continue;
            }
            let (target, entry) = match line.strip_prefix(ALLOW_PREFIX) {
                Some(rest) => (&mut allowed, rest),
                None => (&mut words, line),
            };
            let normalized = Normalized::new(entry).chars;
            if !normalized.is_empty() && normalized.len() <= MAX_WORD_CHARS {
                target.push(normalized);
            }
        }
        Self {
            words: sorted_unique(words),
            allowed: sorted_unique(allowed),
        }
    }

    /// The embedded list (`include_str!("../../../data/bad_words.txt")`), parsed once (std::sync::LazyLock or OnceLock).
    pub fn embedded() -> &'static Self {
        &EMBEDDED
    }

    /// `text` with every listed word masked: each original character that is part of a match becomes '*' (one '*' per original char; spaces/punctuation inside the matched span are masked too, spaces before/after are not). Returns Cow::Borrowed when nothing matched.
    ///
    /// Overlapping matches merge. Takes O(words × len) time for a text of len characters.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let normalized = Normalized::new(text);
        let spans = self.masked_spans(&normalized);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        Cow::Owned(apply_mask(text, &spans))
    }

    /// The original-character spans to mask: sorted, disjoint, allowed matches left out.
    fn masked_spans(&self, normalized: &Normalized) -> Vec<Span> {
        let reach = self.allowed_reach(&normalized.chars);
        let mut hits = Vec::new();
        for word in &self.words {
            find_all(&normalized.chars, word, &mut hits);
        }
        let spans = hits
            .into_iter()
            .filter(|hit| reach.get(hit.start).is_none_or(|&end| end < hit.end))
            .filter_map(|hit| normalized.original(hit))
            .collect();
        merge(spans)
    }

    /// For each normalized position, the furthest end of an allowed-word occurrence starting
    /// at or before it (0 when none): a match `start..end` lies inside an allowed occurrence
    /// exactly when `reach[start] >= end`.
    fn allowed_reach(&self, chars: &[char]) -> Vec<usize> {
        let mut occurrences = Vec::new();
        for word in &self.allowed {
            find_all(chars, word, &mut occurrences);
        }
        let mut reach = vec![0; chars.len()];
        for occurrence in occurrences {
            if let Some(end) = reach.get_mut(occurrence.start) {
                *end = (*end).max(occurrence.end);
            }
        }
        let mut furthest = 0;
        for end in &mut reach {
            furthest = furthest.max(*end);
            *end = furthest;
        }
        reach
    }
}

/// A half-open range of character indices, `start..end`: into the normalized characters for
/// a match, into the original text's characters for what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// Text reduced to the characters matching compares, each with the original characters it
/// came from.
struct Normalized {
    /// NFKC, lower-cased letters and digits, runs collapsed.
    chars: Vec<char>,
    /// For each of `chars`, the original characters it came from (a whole run when collapsed).
    origins: Vec<Span>,
}

impl Normalized {
    /// Normalizes each original character on its own, so every result maps back to it.
    fn new(text: &str) -> Self {
        let mut normalized = Self {
            chars: Vec::new(),
            origins: Vec::new(),
        };
        for (index, original) in text.chars().enumerate() {
            for folded in original.nfkc().flat_map(char::to_lowercase) {
                if folded.is_alphanumeric() && !is_invisible(folded) {
                    normalized.push(folded, index);
                }
            }
        }
        normalized
    }

    /// Appends `c`, which came from original character `index`; a repeat of the last
    /// character extends that one's origin instead.
    fn push(&mut self, c: char, index: usize) {
        if self.chars.last() == Some(&c) {
            if let Some(origin) = self.origins.last_mut() {
                origin.end = index + 1;
            }
            return;
        }
        self.chars.push(c);
        self.origins.push(Span {
            start: index,
            end: index + 1,
        });
    }

    /// The original characters a normalized match covers, from its first to its last.
    fn original(&self, hit: Span) -> Option<Span> {
        let first = self.origins.get(hit.start)?;
        let last = self.origins.get(hit.end.checked_sub(1)?)?;
        Some(Span {
            start: first.start,
            end: last.end,
        })
    }
}

/// Whether `c` is one of the [`INVISIBLE`] characters.
fn is_invisible(c: char) -> bool {
    INVISIBLE
        .iter()
        .any(|&(low, high)| (low..=high).contains(&c))
}

/// Sorts and deduplicates normalized words.
fn sorted_unique(mut words: Vec<Vec<char>>) -> Vec<Vec<char>> {
    words.sort_unstable();
    words.dedup();
    words
}

/// Appends every occurrence of `word` in `haystack`, overlapping ones included. A simple scan:
/// O(haystack × word) time. An empty `word` finds nothing.
fn find_all(haystack: &[char], word: &[char], found: &mut Vec<Span>) {
    let len = word.len().max(1);
    for (start, window) in haystack.windows(len).enumerate() {
        if window == word {
            found.push(Span {
                start,
                end: start + len,
            });
        }
    }
}

/// Sorts spans and merges those that overlap or touch.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable_by_key(|span| span.start);
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    merged
}

/// `text` with every character inside `spans` (sorted and disjoint) replaced by [`MASK_CHAR`].
fn apply_mask(text: &str, spans: &[Span]) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut next = 0;
    for (index, c) in text.chars().enumerate() {
        while spans.get(next).is_some_and(|span| span.end <= index) {
            next += 1;
        }
        let inside = spans.get(next).is_some_and(|span| span.start <= index);
        masked.push(if inside { MASK_CHAR } else { c });
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small list exercising the format: comments, blank lines, padding, an allowed word.
    const LIST: &str = "# a comment
씨발
  시발  

ㅅㅂ
개새끼
fuck
!시발점
";

    /// Characters the generated strings are drawn from: listed letters, tricks, emoji,
    /// combining marks, multi-character normalizations and lower-casings.
    const ALPHABET: [char; 26] = [
        '씨',
        '시',
        '발',
        '점',
        'ㅅ',
        'ㅂ',
        '개',
        '새',
        '끼',
        'f',
        'U',
        'c',
        'k',
        'ｆ',
        ' ',
        '.',
        '\u{200B}',
        '\u{3164}',
        '\u{0301}',
        '😀',
        '👍',
        '\u{1F3FD}',
        'ﬁ',
        '㈜',
        'İ',
        '1',
    ];

    /// How many strings the property loop generates.
    const GENERATED_CASES: usize = 400;

    /// The longest generated string, in characters.
    const GENERATED_MAX_CHARS: usize = 40;

    fn filter() -> WordFilter {
        WordFilter::parse(LIST)
    }

    fn stars(count: usize) -> String {
        MASK_CHAR.to_string().repeat(count)
    }

    #[test]
    fn plain_words_are_masked_one_star_per_character() {
        let filter = filter();
        assert_eq!(filter.mask("씨발"), "**");
        assert_eq!(filter.mask("이 개새끼야"), "이 ***야");
        assert_eq!(filter.mask("fuck you"), "**** you");
        assert_eq!(filter.mask("시발 진짜 씨발"), "** 진짜 **");
    }

    #[test]
    fn clean_text_comes_back_borrowed_and_unchanged() {
        let text = "안녕하세요! 오늘 날씨 좋네요 😀";
        let masked = filter().mask(text);
        assert!(matches!(masked, Cow::Borrowed(_)));
        assert_eq!(masked, text);
        assert!(matches!(filter().mask(""), Cow::Borrowed("")));
    }

    #[test]
    fn tricks_are_masked_and_the_rest_is_kept() {
        let filter = filter();
        for (text, expected) in [
            ("너 씨 발 진짜", "너 *** 진짜"),
            (" 씨 발 ", " *** "),
            ("아 시.발 뭐야", "아 *** 뭐야"),
            ("ｆｕｃｋ!", "****!"),
            ("WHAT THE FUCK", "WHAT THE ****"),
            ("𝐟𝐮𝐜𝐤 off", "**** off"),
            ("씨\u{200B}발 ok", "*** ok"),
            ("씨\u{3164}발", "***"),
            ("씨씨씨발 뭐", "**** 뭐"),
            ("씨발발발", "****"),
            ("ㅅ ㅂ", "***"),
            ("ㅅㅂ", "**"),
        ] {
            assert_eq!(filter.mask(text), expected, "{text:?}");
        }
    }

    #[test]
    fn allowed_words_are_not_masked_but_the_word_elsewhere_is() {
        let filter = filter();
        let text = "시발점부터 다시";
        assert!(matches!(filter.mask(text), Cow::Borrowed(t) if t == text));
        assert_eq!(filter.mask("시발점에서 시발"), "시발점에서 **");
    }

    #[test]
    fn emoji_and_korean_around_a_match_are_kept() {
        let filter = filter();
        assert_eq!(filter.mask("😀씨발🎉 좋아"), "😀**🎉 좋아");
        assert_eq!(filter.mask("👍🏽 ㅅㅂ 👍🏽"), "👍🏽 ** 👍🏽");
        assert_eq!(filter.mask("씨🔥발"), "***");
    }

    #[test]
    fn masking_keeps_the_character_count() {
        let filter = filter();
        for text in [
            "씨 발",
            "ｆｕｃｋ",
            "씨\u{200B}발",
            "😀씨발🎉",
            "ﬁ fuck ㈜",
            "İ 시발",
        ] {
            let masked = filter.mask(text);
            assert_eq!(masked.chars().count(), text.chars().count(), "{text:?}");
            assert_ne!(masked, text, "{text:?}");
        }
    }

    #[test]
    fn parse_skips_comments_blanks_and_entries_that_normalize_to_nothing() {
        let filter = WordFilter::parse("# 씨발\n\n   ...  \n!!!\n");
        assert!(filter.words.is_empty());
        assert!(filter.allowed.is_empty());
        assert!(matches!(filter.mask("씨발 ..."), Cow::Borrowed(_)));
    }

    #[test]
    fn list_entries_are_normalized_like_text() {
        let filter = WordFilter::parse("씨씨발\nＦ Ｕ Ｃ Ｋ\n");
        assert_eq!(filter.mask("씨발"), "**");
        assert_eq!(filter.mask("a fuck"), "a ****");
    }

    #[test]
    fn embedded_list_masks_every_listed_word_and_no_allowed_word() {
        let filter = WordFilter::embedded();
        assert!(!filter.words.is_empty());
        for line in EMBEDDED_LIST.lines().map(str::trim) {
            if line.is_empty() || line.starts_with(COMMENT_PREFIX) {
                continue;
            }
            match line.strip_prefix(ALLOW_PREFIX) {
                Some(allowed) => assert_eq!(filter.mask(allowed), allowed),
                None => assert_eq!(filter.mask(line), stars(line.chars().count()), "{line}"),
            }
        }
    }

    #[test]
    fn embedded_list_leaves_ordinary_sentences_alone() {
        let filter = WordFilter::embedded();
        for text in [
            "도시발전 계획",
            "동시발생 사고",
            "불이 꺼져 있어",
            "엄마를 졸라서 샀어",
            "위기가 닥쳐오고 있다",
            "어머니 미역국",
            "시발점으로 돌아가자",
            "날씨 바뀌었네",
            "니 미래는 밝아",
            "오늘 날씨 좋네요 ㅋㅋㅋ",
        ] {
            assert!(matches!(filter.mask(text), Cow::Borrowed(_)), "{text:?}");
        }
        assert_eq!(filter.mask("꺼져 이 병신아"), "** 이 **아");
        assert_eq!(filter.mask("ㅆ ㅂ 진짜"), "*** 진짜");
    }

    /// A 64-bit linear congruential generator: deterministic, no crate needed.
    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, bound: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as usize % bound
        }
    }

    #[test]
    fn generated_strings_never_panic_and_keep_their_length() {
        let filters = [filter(), WordFilter::parse(EMBEDDED_LIST)];
        let mut random = Lcg(0x5EED);
        for _ in 0..GENERATED_CASES {
            let len = random.below(GENERATED_MAX_CHARS + 1);
            let text: String = (0..len)
                .map(|_| ALPHABET[random.below(ALPHABET.len())])
                .collect();
            for filter in &filters {
                let masked = filter.mask(&text);
                assert_eq!(masked.chars().count(), text.chars().count(), "{text:?}");
                for (out, original) in masked.chars().zip(text.chars()) {
                    assert!(
                        out == original || out == MASK_CHAR,
                        "{text:?} -> {masked:?}"
                    );
                }
            }
        }
    }
}
