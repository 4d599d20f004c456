//! Booth codes as the student's phone shows them: short, random, easy to type from a screen
//! (no 0/O, 1/I/L), and a QR code of the same text.

use qrcode::render::svg;
use qrcode::QrCode;
use rand::Rng;

/// Letters a code is made of: 31 that cannot be mistaken for each other.
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code: 31^8 ≈ 8.5 × 10^11 codes, against lookups limited per operator and
/// a code that lives ten minutes.
pub const CODE_CHARS: usize = 8;
/// The QR picture's smallest side, in pixels.
const QR_MIN_PIXELS: u32 = 240;

/// A new random code.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_CHARS)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A typed or scanned code, normalized (upper case, spaces and hyphens dropped); `None` when
/// it cannot be one of ours.
pub fn parse_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ours = code.len() == CODE_CHARS && code.bytes().all(|b| ALPHABET.contains(&b));
    ours.then_some(code)
}

/// The code as an SVG QR picture.
pub fn qr_svg(code: &str) -> String {
    let qr = QrCode::new(code.as_bytes()).expect("eight letters always fit a QR code");
    qr.render::<svg::Color<'_>>()
        .min_dimensions(QR_MIN_PIXELS, QR_MIN_PIXELS)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_unambiguous_and_parse_back() {
        let a = new_code();
        assert_eq!(a.len(), CODE_CHARS);
        assert_ne!(a, new_code());
        assert_eq!(parse_code(&a.to_lowercase()), Some(a.clone()));
        let spaced = format!("{} - {}", &a[..4], &a[4..]);
        assert_eq!(parse_code(&spaced), Some(a));
        for bad in [
            "",
            "ABCDEFG",
            "ABCDEFGHJ",
            "ABCDEFG0",
            "ABCDEFGI",
            "가나다라마바사아",
        ] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_qr_code_is_an_svg_picture() {
        let svg = qr_svg("ABCD2345");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.ends_with("</svg>"));
    }
}
