//! ASN.1 UTCTime / GeneralizedTime to Unix seconds.

use crate::der::{GENERALIZED_TIME, UTC_TIME};

/// Unix seconds of a UTCTime (`YYMMDDHHMM[SS]Z`, years 50–99 are 19xx as
/// RFC 5280 says) or GeneralizedTime (`YYYYMMDDHHMMSS[.f]Z`).
pub fn parse_time(tag: u8, text: &[u8]) -> Option<i64> {
    let (year, rest) = match tag {
        UTC_TIME => {
            let yy = digits(text.get(..2)?)?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        GENERALIZED_TIME => (digits(text.get(..4)?)?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| rest.get(i..i + 2).and_then(digits);
    let (month, day, hour, minute) = (field(0)?, field(2)?, field(4)?, field(6)?);
    let second = field(8).unwrap_or(0);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn digits(s: &[u8]) -> Option<i64> {
    s.iter().try_fold(0i64, |a, c| {
        c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A validity time as Zeek's `GetTimeFromAsn1` computes it (the value
/// x509.log shows), or the weird Zeek reports, in which case it logs 0.
///
/// Zeek copies the digits up to the minutes, takes seconds when present
/// (skipping fractions), then adds an offset `+HHMM`/`-HHMM` counted as
/// `HH * 60 + MM` seconds (sic) and normalises the fields the way
/// `mktime` does in UTC. UTCTime years below 50 are 20xx; a four-digit
/// year of 1900 or less is taken as that many years after 1900.
pub fn zeek_time(tag: u8, text: &[u8]) -> Result<i64, &'static str> {
    let (year, rest) = match tag {
        UTC_TIME => {
            if !(11..=17).contains(&text.len()) {
                return Err("x509_utc_length");
            }
            if text.last() != Some(&b'Z') {
                return Err("x509_utc_format");
            }
            let century = if text[0] < b'5' { 2000 } else { 1900 };
            (century + loose_digits(&text[..2]), &text[2..])
        }
        GENERALIZED_TIME => {
            if !(12..=23).contains(&text.len()) {
                return Err("x509_gen_time_length");
            }
            (loose_digits(&text[..4]), &text[4..])
        }
        _ => return Err("x509_invalid_time_type"),
    };
    let field = |i: usize| loose_digits(&rest[i..i + 2]);
    let (month, day, hour, minute) = (field(0), field(2), field(4), field(6));
    let mut tail = &rest[8..];
    let second = match tail {
        [] | [b'Z' | b'+' | b'-', ..] => 0,
        [a, b, more @ ..] => {
            tail = more;
            if let [b'.', fraction @ ..] = tail {
                let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
                tail = &fraction[digits..];
            }
            loose_digits(&[*a, *b])
        }
        _ => return Err("x509_time_add_char"),
    };
    let offset = match tail {
        [] | [b'Z', ..] => 0,
        [_, _, _, _] | [_, _, _] | [_, _] | [_] => return Err("x509_time_offset_underflow"),
        [sign @ (b'+' | b'-'), h1, h2, m1, m2, ..] => {
            let v = loose_digits(&[*h1, *h2]) * 60 + loose_digits(&[*m1, *m2]);
            if *sign == b'-' {
                -v
            } else {
                v
            }
        }
        _ => return Err("x509_time_offset_type"),
    };
    let tm_year = if year > 1900 { year - 1900 } else { year };
    let t = mktime_utc(tm_year + 1900, month - 1, day, hour, minute, second);
    // mktime's 0 (and only that) is kept as is, without the offset.
    Ok(if t == 0 { 0 } else { t + offset })
}

/// Digits as `c - '0'` each, whatever the characters are (as Zeek reads them).
fn loose_digits(s: &[u8]) -> i64 {
    s.iter()
        .fold(0, |a, c| a * 10 + (i64::from(*c) - i64::from(b'0')))
}

/// `mktime` in UTC: out-of-range fields carry into the next larger one.
fn mktime_utc(year: i64, month0: i64, day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    let year = year + month0.div_euclid(12);
    let month = month0.rem_euclid(12) + 1;
    let days = days_from_civil(year, month, 1) + day - 1;
    days * 86_400 + hour * 3600 + minute * 60 + second
}
