//! Which detections run and with which options: defaults, the Zeek way
//! (`@load` of a detection's script, `redef Module::option = value;`) and
//! the `[detect]` section of Shrike's TOML config.

use crate::allow::Allowlist;
use crate::engine::{Detection, Engine};
use crate::settings::{Op, OptionDoc, Options, Setting, Span};
use config::{Cidr, ConfigError, NetSet, Redef};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

crate::options! {
    /// Options of the whole stage (`[detect]`).
    pub struct Global {
        /// Run detections at all.
        enabled: bool = true;
        /// Apply the shipped list of update, CDN, antivirus and time services where a detection uses it.
        default_allowlist: bool = true;
        /// Networks every detection ignores (CIDRs).
        allow_networks: Vec<Cidr> = Vec::new();
        /// Domains (and their subdomains) every detection ignores.
        allow_domains: Vec<String> = Vec::new();
        /// How long a notice suppresses the next one with the same identifier.
        suppress_for: Span = Span::hours(1), zeek "Notice::default_suppression_interval";
    }
}

crate::options! {
    /// Options every detection has (`[detect.<name>]`).
    pub struct Common {
        /// Run it (default: on without a Zeek config, or when its script is loaded or an option redefined).
        enabled: Option<bool> = None;
        /// Networks it ignores, besides the global ones.
        allow_networks: Vec<Cidr> = Vec::new();
        /// Domains it ignores, besides the global ones.
        allow_domains: Vec<String> = Vec::new();
        /// Apply the shipped allowlist (where the detection uses names or services).
        default_allowlist: bool = true;
        /// Suppression interval of its notices (default: the global one).
        suppress_for: Option<Span> = None;
        /// Most keys (hosts, pairs) it tracks at once; beyond, the stalest are evicted.
        max_keys: usize = 100_000;
    }
}

impl Common {
    /// For detections that judge addresses only: the shipped list of
    /// service names does not apply.
    pub fn addresses_only() -> Common {
        Common {
            default_allowlist: false,
            ..Common::default()
        }
    }
}

impl<T: crate::settings::FromSetting> crate::settings::FromSetting for Option<T> {
    fn from_setting(s: &Setting) -> Result<Self, String> {
        T::from_setting(s).map(Some)
    }
}

/// What describes a detection to users and to the Zeek config.
#[derive(Debug)]
pub struct Meta {
    /// Its `[detect.<name>]` section.
    pub name: &'static str,
    /// Zeek scripts whose `@load` switches it on.
    pub scripts: &'static [&'static str],
    /// The notes it raises.
    pub notes: &'static [&'static str],
    pub summary: &'static str,
}

/// A configured detection, before it runs.
pub trait Spec: Send + Sync {
    fn meta(&self) -> &'static Meta;
    fn common(&self) -> &Common;
    fn common_mut(&mut self) -> &mut Common;
    fn options(&self) -> &dyn Options;
    fn options_mut(&mut self) -> &mut dyn Options;
    fn build(&self, shared: &Shared) -> Box<dyn Detection>;
    /// A Zeek script was `@load`ed: whether it is one of this detection's
    /// (beyond [`Meta::scripts`], for detections whose parts are scripts).
    fn load_script(&mut self, script: &str) -> bool {
        let _ = script;
        false
    }
}

/// A built-in detection: its description, options and constructor.
pub struct Builtin<T> {
    pub meta: &'static Meta,
    pub common: Common,
    pub opts: T,
    pub make: fn(&Builtin<T>, &Shared) -> Box<dyn Detection>,
}

/// A [`Spec`]'s accessors of its `common` and `opts` fields.
#[macro_export]
#[doc(hidden)]
macro_rules! spec_fields {
    () => {
        fn common(&self) -> &Common {
            &self.common
        }
        fn common_mut(&mut self) -> &mut Common {
            &mut self.common
        }
        fn options(&self) -> &dyn Options {
            &self.opts
        }
        fn options_mut(&mut self) -> &mut dyn Options {
            &mut self.opts
        }
    };
}

impl<T: Options + Send + Sync> Spec for Builtin<T> {
    fn meta(&self) -> &'static Meta {
        self.meta
    }
    crate::spec_fields!();
    fn build(&self, shared: &Shared) -> Box<dyn Detection> {
        (self.make)(self, shared)
    }
}

impl<T: Clone> Builtin<T> {
    /// What the detection keeps of its configuration.
    pub fn setup(&self, shared: &Shared) -> Setup<T> {
        Setup {
            opts: self.opts.clone(),
            allow: shared.allowlist(&self.common),
            suppress_for: shared.suppress_for(&self.common),
            max_keys: self.common.max_keys,
        }
    }
}

/// A running detection's configuration: its options, allowlist,
/// suppression interval and memory cap.
pub struct Setup<T> {
    pub opts: T,
    pub allow: Allowlist,
    /// Nanoseconds.
    pub suppress_for: i64,
    pub max_keys: usize,
}

impl<T> Setup<T> {
    /// A notice of this detection: suppressed by `identifier` for its
    /// suppression interval.
    pub fn notice(
        &self,
        ts: records::Time,
        note: &'static str,
        msg: String,
        identifier: String,
    ) -> crate::Notice {
        let mut n = crate::Notice::new(ts, note, msg);
        n.identifier = Some(identifier);
        n.suppress_for = Some(self.suppress_for);
        n
    }
}

/// What detections are built with besides their own options.
pub struct Shared {
    pub global: Global,
}

impl Shared {
    /// A detection's allowlist: the global lists, its own, and the shipped
    /// defaults when both it and the global switch want them.
    pub fn allowlist(&self, common: &Common) -> Allowlist {
        let nets: Vec<Cidr> = self
            .global
            .allow_networks
            .iter()
            .chain(&common.allow_networks)
            .copied()
            .collect();
        let domains: Vec<String> = self
            .global
            .allow_domains
            .iter()
            .chain(&common.allow_domains)
            .cloned()
            .collect();
        let defaults = self.global.default_allowlist && common.default_allowlist;
        Allowlist::new(&nets, &domains, defaults)
    }

    /// A detection's suppression interval (nanoseconds).
    pub fn suppress_for(&self, common: &Common) -> i64 {
        common.suppress_for.unwrap_or(self.global.suppress_for).0
    }
}

/// Where Shrike's own default mode departs from the defaults of Zeek's
/// scripts (detection, option, value): the playbook wants the
/// certificates of the servers its hosts reach checked, not only those of
/// its own servers.
const SHRIKE_DEFAULTS: &[(&str, &str, &str)] =
    &[("expiring_certs", "notify_certs_expiration", "ALL_HOSTS")];

/// The detections of a run and their options.
pub struct Plan {
    pub global: Global,
    specs: Vec<Box<dyn Spec>>,
    /// Run every detection unless told otherwise (Shrike's default mode).
    default_on: bool,
    /// Per spec: its script was loaded or one of its options redefined.
    requested: Vec<bool>,
}

impl Plan {
    /// Every built-in detection with its defaults; `default_on`: they run
    /// unless switched off (otherwise only those asked for).
    pub fn new(default_on: bool) -> Plan {
        let mut specs: Vec<Box<dyn Spec>> =
            crate::detections::BUILTINS.iter().map(|f| f()).collect();
        if default_on {
            for (name, key, value) in SHRIKE_DEFAULTS {
                if let Some(spec) = specs.iter_mut().find(|s| s.meta().name == *name) {
                    let value = Setting::Text(value.to_string());
                    let set = spec.options_mut().set(key, Op::Assign, &value);
                    debug_assert!(matches!(set, Some(Ok(()))), "{name}.{key}");
                }
            }
        }
        Plan {
            global: Global::default(),
            requested: vec![false; specs.len()],
            specs,
            default_on,
        }
    }

    /// Every option of every detection (for documentation).
    pub fn docs(&self) -> Vec<(&'static Meta, &'static [OptionDoc])> {
        self.specs
            .iter()
            .map(|s| (s.meta(), s.options().docs()))
            .collect()
    }

    /// An `@load`: true when it names a detection's script (or `local`,
    /// which loads them all).
    pub fn load(&mut self, script: &str) -> bool {
        let name = script
            .trim()
            .trim_end_matches(".zeek")
            .trim_end_matches("/__load__");
        let name = name.strip_prefix("policy/").unwrap_or(name);
        if name == "local" {
            self.requested.iter_mut().for_each(|r| *r = true);
            return true;
        }
        let mut found = false;
        for (spec, requested) in self.specs.iter_mut().zip(&mut self.requested) {
            if spec.load_script(name) || spec.meta().scripts.contains(&name) {
                *requested = true;
                found = true;
            }
        }
        found
    }

    /// A Zeek redef: `None` when no detection has an option of that name;
    /// otherwise the outcome (a value of the wrong kind is an error).
    pub fn redef(&mut self, r: &Redef) -> Option<Result<(), String>> {
        let value = Setting::from_zeek(&r.value);
        let mut outcome = None;
        if let Some(res) = apply_zeek(&mut self.global, &r.name, r.op, value.as_ref()) {
            outcome = Some(res);
        }
        for (spec, requested) in self.specs.iter_mut().zip(&mut self.requested) {
            if let Some(res) = apply_zeek(spec.options_mut(), &r.name, r.op, value.as_ref()) {
                *requested = true;
                outcome = Some(res);
            }
        }
        outcome
    }

    /// Applies the `[detect]` section of a TOML config; errors name the
    /// line.
    pub fn apply_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let doc =
            DeTable::parse(text).map_err(|e| ConfigError::new(0, one_line(&e.to_string())))?;
        let at = |span: std::ops::Range<usize>| line_of(text, span.start);
        for (key, value) in doc.get_ref().iter() {
            if key.get_ref() != "detect" {
                return Err(ConfigError::new(
                    at(key.span()),
                    format!("unknown section [{}] (known: [detect])", key.get_ref()),
                ));
            }
            let Some(table) = value.get_ref().as_table() else {
                return Err(ConfigError::new(
                    at(key.span()),
                    "detect must be a table".into(),
                ));
            };
            self.apply_detect_table(table, &at)?;
        }
        Ok(())
    }

    fn apply_detect_table(
        &mut self,
        table: &DeTable<'_>,
        at: &dyn Fn(std::ops::Range<usize>) -> usize,
    ) -> Result<(), ConfigError> {
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            if let DeValue::Table(section) = value.get_ref() {
                let Some(spec) = self.specs.iter_mut().find(|s| s.meta().name == name) else {
                    let known: Vec<&str> = self.specs.iter().map(|s| s.meta().name).collect();
                    return Err(ConfigError::new(
                        at(key.span()),
                        format!(
                            "unknown detection [detect.{name}] (known: {})",
                            known.join(", ")
                        ),
                    ));
                };
                apply_section(spec.as_mut(), section, at)?;
            } else {
                set_toml(&mut self.global, name, value, at).unwrap_or_else(|| {
                    Err(ConfigError::new(
                        at(key.span()),
                        format!("unknown option detect.{name}"),
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// The detection whose section is `name`.
    pub fn spec_mut(&mut self, name: &str) -> Option<&mut dyn Spec> {
        let spec = self.specs.iter_mut().find(|s| s.meta().name == name)?;
        Some(spec.as_mut())
    }

    /// The names of the detections that will run.
    pub fn enabled(&self) -> Vec<&'static str> {
        self.running().map(|s| s.meta().name).collect()
    }

    fn running(&self) -> impl Iterator<Item = &dyn Spec> {
        let on = self.global.enabled;
        self.specs
            .iter()
            .zip(&self.requested)
            .filter(move |(s, requested)| {
                on && s.common().enabled.unwrap_or(self.default_on || **requested)
            })
            .map(|(s, _)| s.as_ref())
    }

    /// The detections stage for a run with these local networks; `None`
    /// when no detection runs.
    pub fn engine(&self, local: &NetSet) -> Option<Engine> {
        let shared = Shared {
            global: self.global.clone(),
        };
        let detections: Vec<Box<dyn Detection>> =
            self.running().map(|s| s.build(&shared)).collect();
        (!detections.is_empty())
            .then(|| Engine::new(detections, local.clone(), shared.global.suppress_for.0))
    }
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("global", &self.global)
            .field("enabled", &self.enabled())
            .finish()
    }
}

fn apply_zeek(
    opts: &mut dyn Options,
    name: &str,
    op: Op,
    value: Option<&Setting>,
) -> Option<Result<(), String>> {
    match value {
        Some(v) => opts.set_zeek(name, op, v),
        None => opts
            .docs()
            .iter()
            .any(|d| d.zeek == Some(name))
            .then(|| Err(format!("{name}: a value of a kind Shrike does not take"))),
    }
}

fn apply_section(
    spec: &mut dyn Spec,
    section: &DeTable<'_>,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Result<(), ConfigError> {
    let name = spec.meta().name;
    for (key, value) in section.iter() {
        let k = key.get_ref().as_ref();
        set_toml(spec.common_mut(), k, value, at)
            .or_else(|| set_toml(spec.options_mut(), k, value, at))
            .unwrap_or_else(|| {
                let keys: Vec<&str> = spec
                    .common()
                    .docs()
                    .iter()
                    .chain(spec.options().docs())
                    .map(|d| d.key)
                    .collect();
                Err(ConfigError::new(
                    at(key.span()),
                    format!(
                        "unknown option detect.{name}.{k} (known: {})",
                        keys.join(", ")
                    ),
                ))
            })?;
    }
    Ok(())
}

/// Sets one option from a TOML value; `None` when `opts` has no such key.
fn set_toml(
    opts: &mut dyn Options,
    key: &str,
    value: &Spanned<DeValue<'_>>,
    at: &dyn Fn(std::ops::Range<usize>) -> usize,
) -> Option<Result<(), ConfigError>> {
    let line = at(value.span());
    let setting = match to_setting(value.get_ref()) {
        Ok(s) => s,
        Err(e) => {
            // Only an error if the key exists.
            opts.docs().iter().find(|d| d.key == key)?;
            return Some(Err(ConfigError::new(line, format!("{key}: {e}"))));
        }
    };
    opts.set(key, Op::Assign, &setting)
        .map(|r| r.map_err(|e| ConfigError::new(line, format!("{key}: {e}"))))
}

fn to_setting(v: &DeValue<'_>) -> Result<Setting, String> {
    Ok(match v {
        DeValue::Boolean(b) => Setting::Bool(*b),
        DeValue::Integer(i) => Setting::Int(
            i64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| "integer out of range".to_string())?,
        ),
        DeValue::Float(f) => {
            Setting::Float(f.as_str().parse().map_err(|_| "bad number".to_string())?)
        }
        DeValue::String(s) => Setting::Text(s.to_string()),
        DeValue::Array(items) => Setting::List(
            items
                .iter()
                .map(|i| to_setting(i.get_ref()))
                .collect::<Result<_, _>>()?,
        ),
        DeValue::Datetime(_) => return Err("dates are not option values".into()),
        DeValue::Table(_) => return Err("a table is not an option value".into()),
    })
}

/// 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_with(toml: &str) -> Result<Plan, ConfigError> {
        let mut p = Plan::new(true);
        p.apply_toml(toml)?;
        Ok(p)
    }

    #[test]
    fn every_builtin_runs_by_default_and_only_loaded_ones_otherwise() {
        let all = Plan::new(true).enabled();
        assert_eq!(
            all,
            [
                "ssh_guessing",
                "scan",
                "dns_tunneling",
                "long_connections",
                "large_transfers",
                "beaconing",
                "invalid_certs",
                "expiring_certs",
                "external_names",
                "dga",
                "dns_c2",
                "rare_user_agents",
                "sql_injection",
                "intel",
            ]
        );
        let mut zeek = Plan::new(false);
        assert!(zeek.enabled().is_empty());
        assert!(zeek.load("protocols/ssh/detect-bruteforcing.zeek"));
        assert!(!zeek.load("protocols/http/software"));
        assert_eq!(zeek.enabled(), ["ssh_guessing"]);
        assert!(zeek.load("local"));
        assert_eq!(zeek.enabled().len(), all.len());
    }

    #[test]
    fn zeek_redefs_set_options_and_switch_their_detection_on() {
        let script = config::parse_zeek_script(
            "redef SSH::password_guesses_limit = 10;\n\
             redef DNSTunneling::time_window = 2 mins;\n\
             redef Notice::default_suppression_interval = 30 mins;\n\
             redef SSH::max_packet_length = 9;\n",
        )
        .unwrap();
        let mut p = Plan::new(false);
        let outcomes: Vec<_> = script.redefs.iter().map(|r| p.redef(r)).collect();
        assert!(matches!(
            outcomes[..],
            [Some(Ok(())), Some(Ok(())), Some(Ok(())), None]
        ));
        assert_eq!(p.enabled(), ["ssh_guessing", "dns_tunneling"]);
        assert_eq!(p.global.suppress_for, Span::mins(30));
        let bad = config::parse_zeek_script("redef Scan::scan_threshold = \"many\";").unwrap();
        assert!(matches!(p.redef(&bad.redefs[0]), Some(Err(_))));
    }

    #[test]
    fn toml_sections_set_options() {
        let p = plan_with(
            "[detect]\nsuppress_for = \"2h\"\nallow_networks = [\"10.9.0.0/16\"]\n\
             [detect.scan]\nscan_threshold = 40\nenabled = true\n\
             [detect.beaconing]\nenabled = false\nallow_ports = [\"123/udp\"]\n",
        )
        .unwrap();
        assert_eq!(p.global.suppress_for, Span::hours(2));
        assert!(!p.enabled().contains(&"beaconing"));
        let mut p = p;
        let scan = p.spec_mut("scan").unwrap();
        let threshold = scan
            .options()
            .docs()
            .iter()
            .any(|d| d.key == "scan_threshold");
        assert!(threshold && scan.common().enabled == Some(true));
    }

    #[test]
    fn toml_errors_name_the_line_and_what_is_known() {
        let err = plan_with("[detect.scan]\n\nscan_treshold = 40\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.message
                .contains("unknown option detect.scan.scan_treshold"),
            "{}",
            err.message
        );
        assert!(err.message.contains("scan_threshold"));
        let err = plan_with("[detect.scan]\nscan_threshold = \"many\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("expected a non-negative integer"),
            "{}",
            err.message
        );
        let err = plan_with("[detect]\nnonsense = 1\n").unwrap_err();
        assert!(err.message.contains("unknown option detect.nonsense"));
        let err = plan_with("[detect.teleport]\n").unwrap_err();
        assert!(err.message.contains("unknown detection [detect.teleport]"));
        let err = plan_with("[intel]\n").unwrap_err();
        assert!(err.message.contains("unknown section [intel]"));
        assert!(plan_with("[detect\n").is_err());
        let err = plan_with("[detect.beaconing]\nobservation_window = \"soon\"\n").unwrap_err();
        assert!(err.message.contains("bad interval"), "{}", err.message);
    }

    #[test]
    fn readme_documents_every_option() {
        let readme = include_str!("../../../README.md");
        let plan = Plan::new(true);
        for (meta, docs) in plan.docs() {
            assert!(
                readme.contains(&format!("| `{}` |", meta.name)),
                "{}",
                meta.name
            );
            for d in docs {
                assert!(
                    readme.contains(&format!("| `{}` |", d.key)),
                    "{}.{}",
                    meta.name,
                    d.key
                );
                if let Some(z) = d.zeek {
                    assert!(readme.contains(&format!("`{z}`")), "{z}");
                }
            }
        }
        for d in Global::default()
            .docs()
            .iter()
            .chain(Common::default().docs())
        {
            assert!(readme.contains(&format!("`{}`", d.key)), "{}", d.key);
        }
    }

    #[test]
    fn master_switch_turns_everything_off() {
        let p = plan_with("[detect]\nenabled = false\n").unwrap();
        assert!(p.enabled().is_empty());
        assert!(p.engine(&NetSet::new()).is_none());
    }
}
