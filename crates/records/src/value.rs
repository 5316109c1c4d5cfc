//! Value types, one per Zeek type, and how each is written.
//!
//! | Rust | Zeek | TSV | JSON |
//! |---|---|---|---|
//! | [`Time`] (ns since epoch) | time | `%.6f` seconds | number (or ISO 8601 string) |
//! | [`EpochSeconds`] | time | `%.6f` seconds | number (or ISO 8601 string) |
//! | [`Interval`] (ns) | interval | `%.6f` seconds | number |
//! | `u64` | count | decimal | number |
//! | `i64` | int | decimal | number |
//! | `f64` | double | ≤6 decimals, `.0` kept | shortest round-trip number |
//! | `bool` | bool | `T`/`F` | `true`/`false` |
//! | [`Port`] | port | decimal | number |
//! | `IpAddr` | addr | canonical text | string |
//! | [`Subnet`] | subnet | `10.0.0.0/8` | string |
//! | [`Enum`] | enum | name | string |
//! | `String`, `&'static str`, [`ZString`] | string | escaped | escaped string |
//! | [`Set<T>`] / `Vec<T>` | set[T] / vector[T] | `,`-joined, `(empty)` | array |
//! | `Option<T>` | T, may be unset | `-` | key left out |

use crate::escape;
use crate::num;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Formatting context handed down to values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ctx {
    /// Writing an element of a set or vector (TSV: `,` must be escaped).
    pub in_collection: bool,
    /// JSON: times as ISO 8601 strings instead of epoch numbers.
    pub json_iso8601: bool,
}

/// The object-safe part of a value: how to write it.
pub trait DynValue {
    /// True when the value is unset (`Option::None`): `-` in TSV, left out
    /// of JSON.
    fn is_unset(&self) -> bool {
        false
    }
    /// Appends the TSV form (never called on unset values by the row writer;
    /// writes `-` if it is).
    fn write_tsv(&self, out: &mut Vec<u8>, ctx: Ctx);
    /// Appends the JSON form (writes `null` if unset).
    fn write_json(&self, out: &mut Vec<u8>, ctx: Ctx);
}

/// A value of a known Zeek type.
pub trait Value: DynValue {
    /// The Zeek type name, as in the `#types` header line.
    fn zeek_type() -> String
    where
        Self: Sized;
}

/// Gives a record's timestamp from its first field.
pub trait AsTime {
    fn as_time(&self) -> Time;
}
impl AsTime for Time {
    fn as_time(&self) -> Time {
        *self
    }
}
impl AsTime for Option<Time> {
    fn as_time(&self) -> Time {
        self.unwrap_or(Time(0))
    }
}

/// Zeek `time`: nanoseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

impl Time {
    pub fn from_secs_f64(s: f64) -> Time {
        Time((s * 1e9).round() as i64)
    }
    /// The time as Zeek's double (seconds).
    pub fn as_f64(self) -> f64 {
        num::ns_to_f64(self.0)
    }
    /// `self - earlier` as an interval (saturating).
    pub fn since(self, earlier: Time) -> Interval {
        Interval(self.0.saturating_sub(earlier.0))
    }
}

/// Zeek `time` in whole seconds, for times beyond [`Time`]'s range of
/// about 292 years either side of 1970 (certificates valid until 9999).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochSeconds(pub i64);

/// Zeek `interval`: nanoseconds, may be negative.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval(pub i64);

impl Interval {
    pub fn from_secs_f64(s: f64) -> Interval {
        Interval((s * 1e9).round() as i64)
    }
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

/// Zeek `port` (the number only; the protocol is not logged).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Port(pub u16);

/// Zeek `enum`: its name as logged, e.g. `tcp`, `Notice::ACTION_LOG`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Enum(pub &'static str);

/// Zeek `set[T]`: elements in the order given (sort them if the order must
/// be deterministic).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Set<T>(pub Vec<T>);

/// Zeek `string` holding arbitrary bytes (not necessarily UTF-8).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ZString(pub Vec<u8>);

impl From<&[u8]> for ZString {
    fn from(b: &[u8]) -> Self {
        ZString(b.to_vec())
    }
}
impl From<&str> for ZString {
    fn from(s: &str) -> Self {
        ZString(s.as_bytes().to_vec())
    }
}
impl From<String> for ZString {
    fn from(s: String) -> Self {
        ZString(s.into_bytes())
    }
}

/// Zeek `subnet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subnet {
    pub addr: IpAddr,
    pub len: u8,
}

// ---------------------------------------------------------------- helpers

fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends an address as Zeek renders it: IPv4 dotted quad (also for
/// IPv4-mapped IPv6 addresses, which Zeek stores IPv4 as), IPv6 compressed
/// like `inet_ntop` (`2001:db8::1`, `::1.2.3.4` for IPv4-compatible ones).
pub fn write_addr(a: &IpAddr, out: &mut Vec<u8>) {
    use std::io::Write;
    match a {
        IpAddr::V4(v4) => write_v4(v4, out),
        IpAddr::V6(v6) => {
            if let Some(v4) = mapped_v4(v6) {
                write_v4(&v4, out);
                return;
            }
            let s = v6.segments();
            if s[..6] == [0; 6] && s[6] != 0 {
                let o = v6.octets();
                out.extend_from_slice(b"::");
                write_v4(&Ipv4Addr::new(o[12], o[13], o[14], o[15]), out);
                return;
            }
            let _ = write!(out, "{v6}");
        }
    }
}

/// Dotted quad without the formatting machinery (conn.log writes two
/// addresses per row; `Display` costs ten times more).
fn write_v4(a: &Ipv4Addr, out: &mut Vec<u8>) {
    // Built on the stack and appended once: one capacity check, not 15.
    let mut text = [0u8; 15];
    let mut n = 0;
    for (i, &o) in a.octets().iter().enumerate() {
        if i > 0 {
            text[n] = b'.';
            n += 1;
        }
        if o >= 100 {
            text[n] = b'0' + o / 100;
            n += 1;
        }
        if o >= 10 {
            text[n] = b'0' + o / 10 % 10;
            n += 1;
        }
        text[n] = b'0' + o % 10;
        n += 1;
    }
    out.extend_from_slice(&text[..n]);
}

fn mapped_v4(v6: &Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    if s[..5] == [0; 5] && s[5] == 0xffff {
        let o = v6.octets();
        Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else {
        None
    }
}

fn write_subnet(s: &Subnet, out: &mut Vec<u8>) {
    write_addr(&s.addr, out);
    out.push(b'/');
    let len = match s.addr {
        IpAddr::V6(v6) if mapped_v4(&v6).is_some() => s.len.saturating_sub(96),
        _ => s.len,
    };
    push_u64(out, len as u64);
}

// ---------------------------------------------------------------- impls

macro_rules! simple {
    ($t:ty, $name:expr, |$s:ident, $o:ident, $c:ident| tsv $tsv:block json $json:block) => {
        impl DynValue for $t {
            fn write_tsv(&self, $o: &mut Vec<u8>, $c: Ctx) {
                let $s = self;
                let _ = $c;
                $tsv
            }
            fn write_json(&self, $o: &mut Vec<u8>, $c: Ctx) {
                let $s = self;
                let _ = $c;
                $json
            }
        }
        impl Value for $t {
            fn zeek_type() -> String {
                $name.to_string()
            }
        }
    };
}

simple!(Time, "time", |s, o, c| tsv { num::secs6(s.0, o) } json {
    if c.json_iso8601 { o.push(b'"'); num::iso8601(s.0, o); o.push(b'"'); }
    else { num::json_double(s.as_f64(), o) }
});
simple!(EpochSeconds, "time", |s, o, c| tsv {
    o.extend_from_slice(itoa::Buffer::new().format(s.0).as_bytes()); o.extend_from_slice(b".000000")
} json {
    if c.json_iso8601 { o.push(b'"'); num::iso8601_secs(s.0, o); o.push(b'"'); }
    else { num::json_double(s.0 as f64, o) }
});
simple!(Interval, "interval", |s, o, c| tsv { num::secs6(s.0, o) } json {
    num::json_double(s.as_f64(), o)
});
simple!(u64, "count", |s, o, c| tsv { push_u64(o, *s) } json { push_u64(o, *s) });
simple!(u32, "count", |s, o, c| tsv { push_u64(o, *s as u64) } json { push_u64(o, *s as u64) });
simple!(u16, "count", |s, o, c| tsv { push_u64(o, *s as u64) } json { push_u64(o, *s as u64) });
simple!(u8, "count", |s, o, c| tsv { push_u64(o, *s as u64) } json { push_u64(o, *s as u64) });
simple!(usize, "count", |s, o, c| tsv { push_u64(o, *s as u64) } json { push_u64(o, *s as u64) });
simple!(i64, "int", |s, o, c| tsv { o.extend_from_slice(itoa::Buffer::new().format(*s).as_bytes()) }
    json { o.extend_from_slice(itoa::Buffer::new().format(*s).as_bytes()) });
simple!(f64, "double", |s, o, c| tsv { num::tsv_double(*s, o) } json { num::json_double(*s, o) });
simple!(bool, "bool", |s, o, c| tsv { o.push(if *s { b'T' } else { b'F' }) }
    json { o.extend_from_slice(if *s { b"true" } else { b"false" }) });
simple!(Port, "port", |s, o, c| tsv { push_u64(o, s.0 as u64) } json { push_u64(o, s.0 as u64) });
simple!(IpAddr, "addr", |s, o, c| tsv { write_addr(s, o) } json {
    o.push(b'"'); write_addr(s, o); o.push(b'"');
});
simple!(Subnet, "subnet", |s, o, c| tsv { write_subnet(s, o) } json {
    o.push(b'"'); write_subnet(s, o); o.push(b'"');
});
simple!(Enum, "enum", |s, o, c| tsv { escape::tsv_string(s.0.as_bytes(), c.in_collection, o) }
    json { escape::json_string(s.0.as_bytes(), o) });
simple!(String, "string", |s, o, c| tsv { escape::tsv_string(s.as_bytes(), c.in_collection, o) }
    json { escape::json_string(s.as_bytes(), o) });
simple!(&'static str, "string", |s, o, c| tsv { escape::tsv_string(s.as_bytes(), c.in_collection, o) }
    json { escape::json_string(s.as_bytes(), o) });
simple!(ZString, "string", |s, o, c| tsv { escape::tsv_string(&s.0, c.in_collection, o) }
    json { escape::json_string(&s.0, o) });

fn collection_tsv<T: DynValue>(items: &[T], out: &mut Vec<u8>, ctx: Ctx) {
    if items.is_empty() {
        out.extend_from_slice(b"(empty)");
        return;
    }
    let inner = Ctx {
        in_collection: true,
        ..ctx
    };
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if v.is_unset() {
            out.push(b'-');
        } else {
            v.write_tsv(out, inner);
        }
    }
}

fn collection_json<T: DynValue>(items: &[T], out: &mut Vec<u8>, ctx: Ctx) {
    out.push(b'[');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        v.write_json(out, ctx);
    }
    out.push(b']');
}

impl<T: Value> DynValue for Set<T> {
    fn write_tsv(&self, out: &mut Vec<u8>, ctx: Ctx) {
        collection_tsv(&self.0, out, ctx)
    }
    fn write_json(&self, out: &mut Vec<u8>, ctx: Ctx) {
        collection_json(&self.0, out, ctx)
    }
}
impl<T: Value> Value for Set<T> {
    fn zeek_type() -> String {
        format!("set[{}]", T::zeek_type())
    }
}

impl<T: Value> DynValue for Vec<T> {
    fn write_tsv(&self, out: &mut Vec<u8>, ctx: Ctx) {
        collection_tsv(self, out, ctx)
    }
    fn write_json(&self, out: &mut Vec<u8>, ctx: Ctx) {
        collection_json(self, out, ctx)
    }
}
impl<T: Value> Value for Vec<T> {
    fn zeek_type() -> String {
        format!("vector[{}]", T::zeek_type())
    }
}

impl<T: Value> DynValue for Option<T> {
    fn is_unset(&self) -> bool {
        self.as_ref().is_none_or(|v| v.is_unset())
    }
    fn write_tsv(&self, out: &mut Vec<u8>, ctx: Ctx) {
        match self {
            Some(v) => v.write_tsv(out, ctx),
            None => out.push(b'-'),
        }
    }
    fn write_json(&self, out: &mut Vec<u8>, ctx: Ctx) {
        match self {
            Some(v) => v.write_json(out, ctx),
            None => out.extend_from_slice(b"null"),
        }
    }
}
impl<T: Value> Value for Option<T> {
    fn zeek_type() -> String {
        T::zeek_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_reach_year_9999() {
        let t = EpochSeconds(253_402_300_799);
        let (mut tsv, mut json, mut iso) = (Vec::new(), Vec::new(), Vec::new());
        t.write_tsv(&mut tsv, Ctx::default());
        t.write_json(&mut json, Ctx::default());
        let iso_ctx = Ctx {
            json_iso8601: true,
            ..Ctx::default()
        };
        t.write_json(&mut iso, iso_ctx);
        assert_eq!(tsv, b"253402300799.000000");
        assert_eq!(json, b"253402300799.0");
        assert_eq!(iso, b"\"9999-12-31T23:59:59.000000Z\"");
        let mut negative = Vec::new();
        EpochSeconds(-1).write_tsv(&mut negative, Ctx::default());
        assert_eq!(negative, b"-1.000000");
    }

    #[test]
    fn ipv4_renders_like_display_for_every_octet() {
        for o in 0..=255u8 {
            let a = Ipv4Addr::new(o, 255 - o, o / 3, 7);
            let mut out = Vec::new();
            write_addr(&IpAddr::V4(a), &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), a.to_string());
        }
    }

    #[test]
    fn ipv6_forms_follow_zeek() {
        let render = |s: &str| {
            let mut out = Vec::new();
            write_addr(&s.parse().unwrap(), &mut out);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(render("::ffff:10.1.2.3"), "10.1.2.3");
        assert_eq!(render("::10.1.2.3"), "::10.1.2.3");
        assert_eq!(render("2001:db8::1"), "2001:db8::1");
    }
}
