//! Records: the single declaration of every log line, and the one mechanism
//! that turns a record into a Zeek TSV row, a Zeek JSON object and a schema.
//!
//! * [`Value`] / [`DynValue`]: one implementation per Zeek type (see [`value`]).
//! * [`Record`]: a log line; declared with the [`record!`] macro.
//! * [`Schema`]: the columns of a record with optional columns selected.
//! * [`write_tsv_row`] / [`write_json_row`]: one full line, `\n` included.
//!
//! Formatting follows Zeek's ASCII writer (`LogAscii`, `enable_utf_8 = T`)
//! and its JSON formatter (rapidjson); the details are documented in
//! [`escape`] and [`value`].

mod base64;
pub mod escape;
pub mod num;
pub mod value;

pub use base64::base64;
pub use value::{
    AsTime, Ctx, DynValue, Enum, EpochSeconds, Interval, Port, Set, Subnet, Time, Value, ZString,
};

/// One column of a log: its name (dotted, like `id.orig_h`), its Zeek type
/// (`count`, `set[string]`, ...) and the option that enables it, if it is an
/// optional column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub zeek_type: String,
    pub option: Option<&'static str>,
}

/// A log line. Implemented by the [`record!`] macro; do not implement by hand
/// unless you must.
pub trait Record: Send + 'static {
    /// The log's path, e.g. `"conn"` (file `conn.log`).
    const PATH: &'static str;
    /// Every column, in log order, optional ones included.
    fn columns() -> Vec<Column>;
    /// The record's timestamp (its first column).
    fn ts(&self) -> Time;
    /// Calls `f(index, value)` for every column in order (indexes match
    /// [`Record::columns`]).
    fn visit(&self, f: &mut dyn FnMut(usize, &dyn DynValue));
}

/// The columns a log file has: all of the record's columns minus the optional
/// ones whose option is not enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    pub path: &'static str,
    /// Every column of the record (enabled or not), in record order.
    pub all: Vec<Column>,
    /// `enabled[i]` says whether `all[i]` is written.
    pub enabled: Vec<bool>,
}

impl Schema {
    /// Schema of `R` with the optional columns whose option is in
    /// `enabled_options`.
    pub fn new<R: Record>(enabled_options: &[&str]) -> Schema {
        let all = R::columns();
        let enabled = all
            .iter()
            .map(|c| match c.option {
                None => true,
                Some(o) => enabled_options.contains(&o),
            })
            .collect();
        Schema {
            path: R::PATH,
            all,
            enabled,
        }
    }

    /// Like [`Schema::new`] with owned option names.
    pub fn with_options<R: Record>(enabled_options: &[String]) -> Schema {
        let v: Vec<&str> = enabled_options.iter().map(|s| s.as_str()).collect();
        Self::new::<R>(&v)
    }

    /// The written columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &Column> {
        self.all
            .iter()
            .zip(self.enabled.iter())
            .filter(|(_, e)| **e)
            .map(|(c, _)| c)
    }

    /// Column names joined by `sep` (the `#fields` line without prefix).
    pub fn names_joined(&self, sep: &str) -> String {
        self.columns().map(|c| c.name).collect::<Vec<_>>().join(sep)
    }

    /// Column types joined by `sep` (the `#types` line without prefix).
    pub fn types_joined(&self, sep: &str) -> String {
        self.columns()
            .map(|c| c.zeek_type.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// Appends one Zeek TSV row for `r` (tab separated, `\n` terminated) with the
/// columns of `schema`.
pub fn write_tsv_row<R: Record>(r: &R, schema: &Schema, out: &mut Vec<u8>) {
    let mut first = true;
    let ctx = Ctx::default();
    r.visit(&mut |i, v| {
        if !schema.enabled.get(i).copied().unwrap_or(false) {
            return;
        }
        if !first {
            out.push(b'\t');
        }
        first = false;
        if v.is_unset() {
            out.push(b'-');
        } else {
            v.write_tsv(out, ctx);
        }
    });
    out.push(b'\n');
}

/// Appends one Zeek JSON object for `r` (`\n` terminated): keys are the
/// column names, unset fields are left out. `iso8601` renders `time` values
/// as `"2011-03-18T19:06:08.123456Z"` strings (`LogAscii::json_timestamps =
/// JSON::TS_ISO8601`).
pub fn write_json_row<R: Record>(r: &R, schema: &Schema, iso8601: bool, out: &mut Vec<u8>) {
    let ctx = Ctx {
        in_collection: false,
        json_iso8601: iso8601,
    };
    let mut first = true;
    out.push(b'{');
    r.visit(&mut |i, v| {
        if !schema.enabled.get(i).copied().unwrap_or(false) || v.is_unset() {
            return;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        if let Some(c) = schema.all.get(i) {
            escape::json_string(c.name.as_bytes(), out);
        }
        out.push(b':');
        v.write_json(out, ctx);
    });
    out.extend_from_slice(b"}\n");
}

/// Declares a log record: a struct, its log path, and per field the column
/// name and (optionally) the option that enables the column.
///
/// ```
/// use records::{record, Time, Port};
/// record! {
///     /// One example row.
///     #[derive(Debug, Clone)]
///     pub struct Example : "example" {
///         pub ts: Time = "ts",
///         pub orig_p: Port = "id.orig_p",
///         pub note: Option<String> = "note" if "notes",
///     }
/// }
/// assert_eq!(<Example as records::Record>::PATH, "example");
/// ```
///
/// The first field must be the record's timestamp (`Time` or
/// `Option<Time>`); [`Record::ts`] returns it.
#[macro_export]
macro_rules! record {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident : $path:literal {
            $(#[$fmeta0:meta])*
            $fvis0:vis $field0:ident : $ty0:ty = $col0:literal $(if $opt0:literal)?
            $(,
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $ty:ty = $col:literal $(if $opt:literal)?
            )*
            $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $(#[$fmeta0])*
            $fvis0 $field0: $ty0,
            $(
                $(#[$fmeta])*
                $fvis $field: $ty,
            )*
        }

        impl $crate::Record for $name {
            const PATH: &'static str = $path;

            fn columns() -> ::std::vec::Vec<$crate::Column> {
                ::std::vec![
                    $crate::Column {
                        name: $col0,
                        zeek_type: <$ty0 as $crate::Value>::zeek_type(),
                        option: {
                            #[allow(unused_mut)]
                            let mut o: ::std::option::Option<&'static str> = None;
                            $( o = Some($opt0); )?
                            o
                        },
                    },
                    $(
                        $crate::Column {
                            name: $col,
                            zeek_type: <$ty as $crate::Value>::zeek_type(),
                            option: {
                                #[allow(unused_mut)]
                                let mut o: ::std::option::Option<&'static str> = None;
                                $( o = Some($opt); )?
                                o
                            },
                        },
                    )*
                ]
            }

            fn ts(&self) -> $crate::Time {
                $crate::AsTime::as_time(&self.$field0)
            }

            #[allow(unused_assignments)]
            fn visit(&self, f: &mut dyn FnMut(usize, &dyn $crate::DynValue)) {
                let mut i = 0usize;
                f(i, &self.$field0);
                $(
                    i += 1;
                    f(i, &self.$field);
                )*
            }
        }
    };
}
