//! Detection options: one typed value per option, set from the TOML config
//! (by key) or from a Zeek script (`redef Module::name = value;`), declared
//! once per detection with [`options!`](crate::options).

pub use config::Op;
use config::{Cidr, ZValue};

const NS: i64 = 1_000_000_000;

/// An option value as written in the TOML config or a Zeek redef.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A Zeek interval, nanoseconds.
    Span(i64),
    Text(String),
    List(Vec<Setting>),
}

impl Setting {
    /// A Zeek constant; `None` for values no option takes (tables,
    /// records, expressions).
    pub fn from_zeek(v: &ZValue) -> Option<Setting> {
        Some(match v {
            ZValue::Bool(b) => Setting::Bool(*b),
            ZValue::Count(n) => Setting::Int(i64::try_from(*n).unwrap_or(i64::MAX)),
            ZValue::Int(n) => Setting::Int(*n),
            ZValue::Double(d) => Setting::Float(*d),
            ZValue::Interval(ns) => Setting::Span(*ns),
            ZValue::String(s) => Setting::Text(String::from_utf8_lossy(s).into_owned()),
            ZValue::Port(p, proto) => Setting::Text(format!("{p}/{}", proto_name(proto.number()))),
            ZValue::Addr(a) => Setting::Text(a.to_string()),
            ZValue::Subnet(c) => Setting::Text(format!("{}/{}", c.addr, c.len)),
            ZValue::Set(items) => Setting::List(
                items
                    .iter()
                    .map(Setting::from_zeek)
                    .collect::<Option<Vec<_>>>()?,
            ),
            // Enum values (`ALL_HOSTS`) are names; options that take them parse them.
            ZValue::Enum(name) => Setting::Text(name.clone()),
            ZValue::Raw(_) | ZValue::Table(_) => return None,
        })
    }

    fn kind(&self) -> &'static str {
        match self {
            Setting::Bool(_) => "a boolean",
            Setting::Int(_) => "an integer",
            Setting::Float(_) => "a number",
            Setting::Span(_) => "an interval",
            Setting::Text(_) => "a string",
            Setting::List(_) => "a list",
        }
    }
}

fn proto_name(number: u8) -> &'static str {
    match number {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        _ => "unknown",
    }
}

fn expected(what: &str, got: &Setting) -> String {
    format!("expected {what}, got {}", got.kind())
}

/// A type an option can have.
pub trait FromSetting: Sized {
    fn from_setting(s: &Setting) -> Result<Self, String>;

    /// Applies a Zeek `=`, `+=` or `-=` (lists add and remove; everything
    /// else is replaced).
    fn apply(&mut self, op: Op, s: &Setting) -> Result<(), String> {
        let _ = op;
        *self = Self::from_setting(s)?;
        Ok(())
    }
}

impl FromSetting for bool {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        match s {
            Setting::Bool(b) => Ok(*b),
            other => Err(expected("true or false", other)),
        }
    }
}

impl FromSetting for u64 {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        match s {
            Setting::Int(n) if *n >= 0 => Ok(*n as u64),
            Setting::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => Ok(*f as u64),
            other => Err(expected("a non-negative integer", other)),
        }
    }
}

impl FromSetting for usize {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        u64::from_setting(s).map(|n| usize::try_from(n).unwrap_or(usize::MAX))
    }
}

impl FromSetting for f64 {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        match s {
            Setting::Int(n) => Ok(*n as f64),
            Setting::Float(f) if f.is_finite() => Ok(*f),
            other => Err(expected("a number", other)),
        }
    }
}

/// A duration in nanoseconds: seconds as a number, `"30min"`-style text,
/// or a Zeek interval (`30 mins`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span(pub i64);

impl Span {
    pub const fn secs(s: i64) -> Span {
        Span(s * NS)
    }
    pub const fn mins(m: i64) -> Span {
        Span(m * 60 * NS)
    }
    pub const fn hours(h: i64) -> Span {
        Span(h * 3600 * NS)
    }
}

impl FromSetting for Span {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        let ns = match s {
            Setting::Span(ns) => *ns,
            Setting::Int(n) => n.saturating_mul(NS),
            Setting::Float(f) if f.is_finite() => (f * NS as f64) as i64,
            Setting::Text(t) => parse_span(t).ok_or_else(|| {
                format!("bad interval \"{t}\" (write e.g. 90, \"90s\", \"30min\", \"1h\", \"2d\")")
            })?,
            other => return Err(expected("an interval", other)),
        };
        if ns < 0 {
            return Err("an interval must not be negative".into());
        }
        Ok(Span(ns))
    }
}

/// `"90"`, `"90s"`, `"30min"`, `"30 mins"`, `"1.5h"`, `"2d"`, `"500ms"`.
pub fn parse_span(text: &str) -> Option<i64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num.parse().ok()?;
    let unit_ns: f64 = match unit.trim() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1e9,
        "ms" | "msec" | "msecs" => 1e6,
        "us" | "usec" | "usecs" => 1e3,
        "m" | "min" | "mins" | "minute" | "minutes" => 60e9,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600e9,
        "d" | "day" | "days" => 86400e9,
        _ => return None,
    };
    let ns = value * unit_ns;
    (ns.is_finite() && ns < 9.2e18).then_some(ns as i64)
}

impl FromSetting for String {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        match s {
            Setting::Text(t) => Ok(t.clone()),
            other => Err(expected("a string", other)),
        }
    }
}

impl FromSetting for Cidr {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        let text = String::from_setting(s)?;
        Cidr::parse(&text).ok_or_else(|| format!("\"{text}\" is not an address or CIDR"))
    }
}

/// A transport port: `"123/udp"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PortSpec {
    pub port: u16,
    pub proto: crate::notice::Proto,
}

impl FromSetting for PortSpec {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        let text = String::from_setting(s)?;
        let bad = || format!("\"{text}\" is not a port like \"123/udp\"");
        let (port, proto) = text.split_once('/').ok_or_else(bad)?;
        Ok(PortSpec {
            port: port.trim().parse().map_err(|_| bad())?,
            proto: crate::notice::Proto::from_name(proto.trim()).ok_or_else(bad)?,
        })
    }
}

impl<T: FromSetting + PartialEq> FromSetting for Vec<T> {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        match s {
            Setting::List(items) => items.iter().map(T::from_setting).collect(),
            // A lone value is a list of one (Zeek's `+= { x }` with one x).
            other => Ok(vec![T::from_setting(other)?]),
        }
    }

    fn apply(&mut self, op: Op, s: &Setting) -> Result<(), String> {
        let items = Self::from_setting(s)?;
        match op {
            Op::Assign => *self = items,
            Op::Add => self.extend(items.into_iter().collect::<Vec<_>>()),
            Op::Remove => self.retain(|x| !items.contains(x)),
        }
        Ok(())
    }
}

/// One documented option: its TOML key and, if it has one, its Zeek name.
#[derive(Debug, Clone, Copy)]
pub struct OptionDoc {
    pub key: &'static str,
    pub zeek: Option<&'static str>,
    pub doc: &'static str,
}

/// A set of options settable by TOML key or Zeek name.
pub trait Options {
    /// Sets option `key`; `None` when there is no such key.
    fn set(&mut self, key: &str, op: Op, value: &Setting) -> Option<Result<(), String>>;
    /// Sets the option whose Zeek name is `name`; `None` when none has it.
    fn set_zeek(&mut self, name: &str, op: Op, value: &Setting) -> Option<Result<(), String>>;
    /// Every option, in declaration order.
    fn docs(&self) -> &'static [OptionDoc];
}

/// `Some(x)` for one argument, `None` for none.
#[doc(hidden)]
#[macro_export]
macro_rules! __some {
    () => {
        None
    };
    ($x:expr) => {
        Some($x)
    };
}

/// Declares an options struct: per field its type, default, optional Zeek
/// name and doc comment; implements `Default` and [`Options`].
#[macro_export]
macro_rules! options {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                #[doc = $doc:literal]
                $field:ident : $ty:ty = $default:expr $(, zeek $zeek:literal)?;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $( #[doc = $doc] pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $crate::settings::Options for $name {
            fn set(
                &mut self,
                key: &str,
                op: $crate::settings::Op,
                value: &$crate::settings::Setting,
            ) -> Option<Result<(), String>> {
                // A detection may have no options of its own.
                let _ = (op, value);
                match key {
                    $( stringify!($field) => Some(
                        <$ty as $crate::settings::FromSetting>::apply(&mut self.$field, op, value)
                    ), )*
                    _ => None,
                }
            }

            fn set_zeek(
                &mut self,
                name: &str,
                op: $crate::settings::Op,
                value: &$crate::settings::Setting,
            ) -> Option<Result<(), String>> {
                $( $( if name == $zeek {
                    return self.set(stringify!($field), op, value);
                } )? )*
                let _ = (name, op, value);
                None
            }

            fn docs(&self) -> &'static [$crate::settings::OptionDoc] {
                const DOCS: &[$crate::settings::OptionDoc] = &[ $( $crate::settings::OptionDoc {
                    key: stringify!($field),
                    zeek: $crate::__some!($($zeek)?),
                    doc: $doc,
                }, )* ];
                DOCS
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::options! {
        /// Example options.
        pub struct Example {
            /// A limit.
            limit: f64 = 30.0, zeek "Mod::limit";
            /// A window.
            window: Span = Span::mins(30), zeek "Mod::window";
            /// Ports.
            ports: Vec<PortSpec> = Vec::new();
        }
    }

    #[test]
    fn spans_in_every_spelling() {
        for (text, secs) in [("90", 90), ("90s", 90), ("30min", 1800), ("30 mins", 1800)] {
            assert_eq!(parse_span(text), Some(secs * NS), "{text}");
        }
        assert_eq!(parse_span("1.5h"), Some(5400 * NS));
        assert_eq!(parse_span("500ms"), Some(NS / 2));
        assert_eq!(parse_span("2d"), Some(172_800 * NS));
        assert_eq!(parse_span("soon"), None);
        assert_eq!(parse_span("1e300h"), None);
    }

    #[test]
    fn options_by_key_and_by_zeek_name() {
        let mut o = Example::default();
        assert!(o
            .set("limit", Op::Assign, &Setting::Int(10))
            .unwrap()
            .is_ok());
        assert_eq!(o.limit, 10.0);
        let zeek = Setting::from_zeek(&ZValue::Interval(60 * NS)).unwrap();
        assert!(o
            .set_zeek("Mod::window", Op::Assign, &zeek)
            .unwrap()
            .is_ok());
        assert_eq!(o.window, Span::mins(1));
        assert!(o.set("nope", Op::Assign, &Setting::Int(1)).is_none());
        assert!(o
            .set_zeek("Other::limit", Op::Assign, &Setting::Int(1))
            .is_none());
        let err = o.set("limit", Op::Assign, &Setting::Text("x".into()));
        assert_eq!(err, Some(Err("expected a number, got a string".into())));
        assert_eq!(o.docs().len(), 3);
        assert_eq!(o.docs()[1].zeek, Some("Mod::window"));
    }

    #[test]
    fn lists_add_and_remove_like_zeek_sets() {
        let mut o = Example::default();
        let list = |items: &[&str]| {
            Setting::List(items.iter().map(|s| Setting::Text(s.to_string())).collect())
        };
        o.set("ports", Op::Assign, &list(&["123/udp", "53/udp"]))
            .unwrap()
            .unwrap();
        o.set("ports", Op::Add, &list(&["443/tcp"]))
            .unwrap()
            .unwrap();
        o.set("ports", Op::Remove, &list(&["53/udp"]))
            .unwrap()
            .unwrap();
        let ports: Vec<u16> = o.ports.iter().map(|p| p.port).collect();
        assert_eq!(ports, [123, 443]);
        assert!(o
            .set("ports", Op::Assign, &list(&["http"]))
            .unwrap()
            .is_err());
    }
}
