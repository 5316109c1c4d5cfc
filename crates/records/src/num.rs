//! Number and time formatting as Zeek writes them.

/// Appends nanoseconds as seconds with six decimals (`%.6f`), rounding to the
/// microsecond half away from zero: `1300475167096535000` →
/// `1300475167.096535`. Negative values get a leading `-` (also `-0.000000`
/// for values that round to zero, as printf does).
pub fn secs6(ns: i64, out: &mut Vec<u8>) {
    let neg = ns < 0;
    let abs = ns.unsigned_abs();
    let us = abs / 1000 + u64::from(abs % 1000 >= 500);
    if neg {
        out.push(b'-');
    }
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(us / 1_000_000).as_bytes());
    out.push(b'.');
    let frac = us % 1_000_000;
    let s = b.format(frac);
    out.extend(std::iter::repeat_n(b'0', 6 - s.len()));
    out.extend_from_slice(s.as_bytes());
}

/// Nanoseconds as the double Zeek would hold: whole seconds plus fraction.
pub fn ns_to_f64(ns: i64) -> f64 {
    let s = ns.div_euclid(1_000_000_000);
    let f = ns.rem_euclid(1_000_000_000);
    s as f64 + f as f64 / 1e9
}

/// A `double` column in TSV: six decimals at most, trailing zeros dropped,
/// `.0` kept for integral values (`1.0`, `0.5`, `0.123457`).
pub fn tsv_double(d: f64, out: &mut Vec<u8>) {
    if d.is_nan() {
        out.extend_from_slice(b"nan");
        return;
    }
    if d.is_infinite() {
        out.extend_from_slice(if d > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let s = format!("{:.6}", d);
    let t = s.trim_end_matches('0');
    let t = t.strip_suffix('.').unwrap_or(t);
    let t = if t == "-0" { "-0" } else { t };
    out.extend_from_slice(t.as_bytes());
    if (d - d.round()).abs() <= 1e-9 {
        out.extend_from_slice(b".0");
    }
}

/// A double in JSON as rapidjson writes it (shortest round-trip digits;
/// integral values keep `.0`; exponent form outside 1e-6..1e21; NaN and
/// infinities as `null`).
pub fn json_double(d: f64, out: &mut Vec<u8>) {
    if !d.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    if d == 0.0 {
        out.extend_from_slice(if d.is_sign_negative() {
            b"-0.0"
        } else {
            b"0.0"
        });
        return;
    }
    // Shortest digits and exponent from Rust's formatter: "d.ddde-7".
    let e = format!("{:e}", d.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant.bytes().filter(|b| b.is_ascii_digit()).collect();
    let length = digits.len() as i32;
    // value = 0.d1d2..dn * 10^kk
    let kk = exp + 1;
    let k = kk - length;
    if d < 0.0 {
        out.push(b'-');
    }
    if 0 <= k && kk <= 21 {
        out.extend_from_slice(&digits);
        out.extend(std::iter::repeat_n(b'0', k as usize));
        out.extend_from_slice(b".0");
    } else if 0 < kk && kk <= 21 {
        out.extend_from_slice(&digits[..kk as usize]);
        out.push(b'.');
        out.extend_from_slice(&digits[kk as usize..]);
    } else if -6 < kk && kk <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (-kk) as usize));
        out.extend_from_slice(&digits);
    } else {
        out.push(digits[0]);
        if length > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        let mut b = itoa::Buffer::new();
        out.extend_from_slice(b.format(kk - 1).as_bytes());
    }
}

/// Civil date (proleptic Gregorian, UTC) of a count of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Breaks whole seconds since the epoch into UTC
/// (year, month, day, hour, minute, second).
pub fn utc_parts(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `2011-03-18T19:06:08.123456Z` for a time in nanoseconds (Zeek's JSON
/// ISO 8601 timestamps: seconds floored, fraction rounded to microseconds).
pub fn iso8601(ns: i64, out: &mut Vec<u8>) {
    let us = (ns.rem_euclid(1_000_000_000) + 500) / 1000;
    iso8601_parts(ns.div_euclid(1_000_000_000), us, out);
}

/// `2011-03-18T19:06:08.000000Z` for whole seconds since the epoch.
pub fn iso8601_secs(secs: i64, out: &mut Vec<u8>) {
    iso8601_parts(secs, 0, out);
}

fn iso8601_parts(secs: i64, us: i64, out: &mut Vec<u8>) {
    let (y, mo, d, h, mi, s) = utc_parts(secs);
    let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z");
    out.extend_from_slice(text.as_bytes());
}

/// `2024-01-01-12-00-00`: the `#open` / `#close` header format (UTC).
pub fn header_time(ns: i64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(ns.div_euclid(1_000_000_000));
    format!("{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s<F: Fn(&mut Vec<u8>)>(f: F) -> String {
        let mut o = Vec::new();
        f(&mut o);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn six_decimals() {
        assert_eq!(
            s(|o| secs6(1_300_475_167_096_535_000, o)),
            "1300475167.096535"
        );
        assert_eq!(
            s(|o| secs6(1_300_475_167_096_535_499, o)),
            "1300475167.096535"
        );
        assert_eq!(
            s(|o| secs6(1_300_475_167_096_535_500, o)),
            "1300475167.096536"
        );
        assert_eq!(s(|o| secs6(999_999_500, o)), "1.000000");
        assert_eq!(s(|o| secs6(0, o)), "0.000000");
        assert_eq!(s(|o| secs6(-1_500_000, o)), "-0.001500");
        assert_eq!(s(|o| secs6(-2_000_000_000, o)), "-2.000000");
        assert_eq!(s(|o| secs6(i64::MIN, o)), "-9223372036.854776");
    }

    #[test]
    fn doubles_tsv() {
        assert_eq!(s(|o| tsv_double(1.0, o)), "1.0");
        assert_eq!(s(|o| tsv_double(0.5, o)), "0.5");
        assert_eq!(s(|o| tsv_double(0.1234567, o)), "0.123457");
        assert_eq!(s(|o| tsv_double(-3.25, o)), "-3.25");
        assert_eq!(s(|o| tsv_double(123456789.0, o)), "123456789.0");
    }

    #[test]
    fn doubles_json() {
        assert_eq!(
            s(|o| json_double(1300475167.096535, o)),
            "1300475167.096535"
        );
        assert_eq!(s(|o| json_double(1.0, o)), "1.0");
        assert_eq!(s(|o| json_double(0.0, o)), "0.0");
        assert_eq!(s(|o| json_double(-0.5, o)), "-0.5");
        assert_eq!(s(|o| json_double(0.000001, o)), "0.000001");
        assert_eq!(s(|o| json_double(1e-7, o)), "1e-7");
        assert_eq!(s(|o| json_double(1.5e-7, o)), "1.5e-7");
        assert_eq!(s(|o| json_double(1e21, o)), "1e21");
        assert_eq!(s(|o| json_double(1e20, o)), "100000000000000000000.0");
        assert_eq!(s(|o| json_double(f64::NAN, o)), "null");
        assert_eq!(s(|o| json_double(0.1 + 0.2, o)), "0.30000000000000004");
    }

    #[test]
    fn times() {
        assert_eq!(
            s(|o| iso8601(1_300_475_168_123_456_000, o)),
            "2011-03-18T19:06:08.123456Z"
        );
        assert_eq!(s(|o| iso8601(-1_000, o)), "1969-12-31T23:59:59.999999Z");
        assert_eq!(
            header_time(1_704_110_400_000_000_000),
            "2024-01-01-12-00-00"
        );
        assert_eq!(header_time(951_782_400_000_000_000), "2000-02-29-00-00-00");
        assert_eq!(
            ns_to_f64(1_300_475_167_096_535_000),
            1300475167.0 + 96535.0 / 1e6
        );
    }
}
