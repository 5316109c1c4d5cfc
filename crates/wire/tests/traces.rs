//! Decodes every packet of every conformance trace (no panics allowed).
//! Set WIRE_TRACE_REPORT=1 to print per-trace frame and weird summaries.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use wire::{DecodeConfig, Decoder};

/// (linktype, wire length, data) of each packet; None if not a capture.
/// (link type, wire length, time, bytes) of each packet.
type Packets = Vec<(u32, u32, i64, Vec<u8>)>;

pub fn read_capture(bytes: &[u8]) -> Option<Packets> {
    let magic = u32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?);
    let mut out = Vec::new();
    match magic {
        0xa1b2c3d4 | 0xd4c3b2a1 | 0xa1b23c4d | 0x4d3cb2a1 => {
            let le = magic == 0xa1b2c3d4 || magic == 0xa1b23c4d;
            let nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
            let rd = |b: &[u8], o: usize| -> Option<u32> {
                let a: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
                Some(if le {
                    u32::from_le_bytes(a)
                } else {
                    u32::from_be_bytes(a)
                })
            };
            let lt = rd(bytes, 20)? & 0x0fff_ffff;
            let mut off = 24;
            while off + 16 <= bytes.len() {
                let sec = rd(bytes, off)? as i64;
                let frac = rd(bytes, off + 4)? as i64;
                let incl = rd(bytes, off + 8)? as usize;
                let orig = rd(bytes, off + 12)?;
                let data = bytes.get(off + 16..off + 16 + incl)?;
                let ts = sec * 1_000_000_000 + if nano { frac } else { frac * 1000 };
                out.push((lt, orig, ts, data.to_vec()));
                off += 16 + incl;
            }
        }
        0x0a0d0d0a => {
            let mut off = 0;
            let mut le = true;
            let mut ifaces: Vec<u32> = Vec::new();
            while off + 12 <= bytes.len() {
                let bt_raw: [u8; 4] = bytes[off..off + 4].try_into().ok()?;
                if u32::from_le_bytes(bt_raw) == 0x0a0d0d0a {
                    let bom = u32::from_le_bytes(bytes.get(off + 8..off + 12)?.try_into().ok()?);
                    le = bom == 0x1a2b3c4d;
                    ifaces.clear();
                }
                let rd = |o: usize| -> Option<u32> {
                    let a: [u8; 4] = bytes.get(o..o + 4)?.try_into().ok()?;
                    Some(if le {
                        u32::from_le_bytes(a)
                    } else {
                        u32::from_be_bytes(a)
                    })
                };
                let bt = rd(off)?;
                let blen = rd(off + 4)? as usize;
                if blen < 12 || off + blen > bytes.len() {
                    break;
                }
                match bt {
                    1 => {
                        let b = bytes.get(off + 8..off + 10)?;
                        let lt = if le {
                            u16::from_le_bytes([b[0], b[1]])
                        } else {
                            u16::from_be_bytes([b[0], b[1]])
                        };
                        ifaces.push(lt as u32);
                    }
                    6 => {
                        let ifc = rd(off + 8)? as usize;
                        let hi = rd(off + 12)? as i64;
                        let lo = rd(off + 16)? as i64;
                        let incl = rd(off + 20)? as usize;
                        let orig = rd(off + 24)?;
                        let data = bytes.get(off + 28..off + 28 + incl)?;
                        let lt = *ifaces.get(ifc).unwrap_or(&1);
                        out.push((
                            lt,
                            orig,
                            ((hi << 32) | lo).wrapping_mul(1000),
                            data.to_vec(),
                        ));
                    }
                    3 => {
                        let orig = rd(off + 8)?;
                        let incl = (orig as usize).min(blen.saturating_sub(16));
                        let data = bytes.get(off + 12..off + 12 + incl)?;
                        out.push((*ifaces.first().unwrap_or(&1), orig, 0, data.to_vec()));
                    }
                    _ => {}
                }
                off += blen;
            }
        }
        _ => return None,
    }
    Some(out)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, files);
        } else if p.extension().map(|e| e != "gz").unwrap_or(true) {
            files.push(p);
        }
    }
}

#[test]
fn decode_all_conformance_traces() {
    let dir = match std::env::var("WIRE_TRACE_DIR") {
        Ok(d) => PathBuf::from(d),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/traces"),
    };
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let report = std::env::var("WIRE_TRACE_REPORT").is_ok();
    let filter = std::env::var("WIRE_TRACE_FILTER").ok();
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut total = 0usize;
    for f in files {
        if let Some(fl) = &filter {
            if !f.to_string_lossy().contains(fl.as_str()) {
                continue;
            }
        }
        let Ok(bytes) = std::fs::read(&f) else {
            continue;
        };
        let Some(pkts) = read_capture(&bytes) else {
            continue;
        };
        for checks in [true, false] {
            let mut dec = Decoder::new(DecodeConfig {
                verify_checksums: checks,
                ..Default::default()
            });
            let mut weirds: BTreeMap<String, usize> = BTreeMap::new();
            let mut depth: BTreeMap<usize, usize> = BTreeMap::new();
            let mut lts: BTreeMap<u32, usize> = BTreeMap::new();
            for (lt, orig, ts, data) in &pkts {
                *lts.entry(*lt).or_default() += 1;
                let d = dec.decode_wire(*ts, *lt, data, *orig);
                if std::env::var("WIRE_TRACE_VERBOSE").is_ok() && !checks {
                    let fr: Vec<String> = d
                        .frames
                        .iter()
                        .map(|f| {
                            format!(
                                "{}>{} p{} {:?} {}",
                                f.src,
                                f.dst,
                                f.proto,
                                f.tunnel,
                                match f.transport {
                                    wire::Transport::Tcp(t) =>
                                        format!("tcp {}>{}", t.src_port, t.dst_port),
                                    wire::Transport::Udp(t) =>
                                        format!("udp {}>{}", t.src_port, t.dst_port),
                                    wire::Transport::Icmp(t) => format!("icmp {}", t.icmp_type),
                                    wire::Transport::Other { payload } =>
                                        format!("other {}", payload.len()),
                                }
                            )
                        })
                        .collect();
                    let hex: String = data.iter().take(80).map(|b| format!("{b:02x}")).collect();
                    println!(
                        "  len={} {:?} {:?} {}",
                        data.len(),
                        fr,
                        d.weirds.iter().map(|w| w.name).collect::<Vec<_>>(),
                        if d.frames.len() < 2 {
                            hex
                        } else {
                            String::new()
                        }
                    );
                }
                *depth.entry(d.frames.len()).or_default() += 1;
                for w in &d.weirds {
                    *weirds
                        .entry(format!("{}/{}", w.name, w.source))
                        .or_default() += 1;
                }
                let h = wire::dispatch_hash(*lt, data);
                let _ = h;
                total += 1;
            }
            if report {
                let rel = f.strip_prefix(&dir).unwrap_or(&f);
                println!(
                    "{} checks={checks} lt={:?} frames={:?} weirds={:?}",
                    rel.display(),
                    lts,
                    depth,
                    weirds
                );
            }
        }
    }
    eprintln!("decoded {total} packets");
}
