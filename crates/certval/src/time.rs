//! Validity checks as OpenSSL's `X509_cmp_time` makes them: only the
//! strict RFC 5280 forms (`YYMMDDHHMMSSZ`, `YYYYMMDDHHMMSSZ`) with real
//! calendar values compare; anything else is a format error.

use x509::der::{self, Der, Tlv};

/// A certificate time against the verification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// At or before the verification time.
    NotAfter,
    /// Strictly after it.
    After,
    /// Not a time OpenSSL accepts.
    Malformed,
}

/// Compares a UTCTime / GeneralizedTime element with `now` (Unix seconds).
pub fn compare(t: Option<Tlv<'_>>, now: i64) -> Cmp {
    match t.and_then(strict_seconds) {
        Some(s) if s <= now => Cmp::NotAfter,
        Some(_) => Cmp::After,
        None => Cmp::Malformed,
    }
}

fn strict_seconds(t: Tlv<'_>) -> Option<i64> {
    let digits = match t.tag {
        der::UTC_TIME => 12,
        der::GENERALIZED_TIME => 14,
        _ => return None,
    };
    let (text, z) = t.body.split_at_checked(digits)?;
    if z != b"Z" || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year_digits = digits - 10;
    let field = |i: usize| -> i64 {
        text[i..i + 2]
            .iter()
            .fold(0, |a, c| a * 10 + i64::from(c - b'0'))
    };
    let year = text[..year_digits]
        .iter()
        .fold(0i64, |a, c| a * 10 + i64::from(c - b'0'));
    let year = match t.tag {
        der::UTC_TIME if year < 50 => 2000 + year,
        der::UTC_TIME => 1900 + year,
        _ => year,
    };
    let (month, day) = (field(year_digits), field(year_digits + 2));
    let (hour, minute, second) = (
        field(year_digits + 4),
        field(year_digits + 6),
        field(year_digits + 8),
    );
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    x509::parse_time(t.tag, t.body)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The notBefore and notAfter elements of a certificate's TBS.
pub fn validity(tbs: &[u8]) -> (Option<Tlv<'_>>, Option<Tlv<'_>>) {
    let walk = || -> Option<(Option<Tlv<'_>>, Option<Tlv<'_>>)> {
        let tbs = Der::new(tbs).expect(der::SEQUENCE)?;
        let mut fields = Der::new(tbs.body);
        fields.optional(0xA0);
        // serialNumber, signature, issuer, then validity.
        fields.next()?;
        fields.next()?;
        fields.next()?;
        let validity = fields.expect(der::SEQUENCE)?;
        let mut times = Der::new(validity.body);
        Some((times.next(), times.next()))
    };
    walk().unwrap_or((None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(tag: u8, s: &str) -> Option<Tlv<'_>> {
        Some(Tlv {
            tag,
            body: s.as_bytes(),
            raw: s.as_bytes(),
        })
    }

    #[test]
    fn strict_forms_only() {
        assert_eq!(compare(t(der::UTC_TIME, "700101000000Z"), 0), Cmp::NotAfter);
        assert_eq!(compare(t(der::UTC_TIME, "700101000001Z"), 0), Cmp::After);
        assert_eq!(
            compare(t(der::GENERALIZED_TIME, "19700101000000Z"), 0),
            Cmp::NotAfter
        );
        // No seconds, fractions, offsets, impossible dates: format errors.
        for bad in [
            "7001010000Z",
            "700101000000+0100",
            "700230000000Z",
            "700101240000Z",
            "700101000060Z",
        ] {
            assert_eq!(compare(t(der::UTC_TIME, bad), 0), Cmp::Malformed, "{bad}");
        }
        assert_eq!(
            compare(t(der::GENERALIZED_TIME, "19700101000000.5Z"), 0),
            Cmp::Malformed
        );
        assert_eq!(
            compare(t(der::UTC_TIME, "000229000000Z"), 951782400),
            Cmp::NotAfter
        );
        assert_eq!(compare(None, 0), Cmp::Malformed);
    }
}
