//! Facts about Zeek's script packages (being filled in).
pub const TCP: u8 = 6;
pub const UDP: u8 = 17;
pub struct ScriptPackage {
    pub path: &'static str,
    pub service: &'static str,
    pub ports: &'static [(u16, u8)],
    pub likely_server_ports: &'static [(u16, u8)],
    pub default: bool,
}
pub static PACKAGES: &[ScriptPackage] = &[
    ScriptPackage {
        path: "base/protocols/http",
        service: "http",
        ports: &[(80, TCP)],
        likely_server_ports: &[
            (80, TCP),
            (8080, TCP),
            (8000, TCP),
            (81, TCP),
            (631, TCP),
            (1080, TCP),
            (3128, TCP),
            (8888, TCP),
        ],
        default: true,
    },
    ScriptPackage {
        path: "base/protocols/dns",
        service: "dns",
        ports: &[(53, UDP)],
        likely_server_ports: &[(53, UDP), (53, TCP), (137, UDP), (5353, UDP), (5355, UDP)],
        default: true,
    },
];
pub fn find(name: &str) -> Option<&'static ScriptPackage> {
    PACKAGES.iter().find(|p| p.path == name)
}
pub fn likely_server_ports(bare: bool, loaded: &[&str]) -> Vec<(u16, u8)> {
    PACKAGES
        .iter()
        .filter(|p| (!bare && p.default) || loaded.contains(&p.path))
        .flat_map(|p| p.likely_server_ports.iter().copied())
        .collect()
}
