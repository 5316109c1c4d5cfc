use super::*;
use crate::context::{AnalyzerConfig, FuidGen};
use crate::files::{FilesConfig, FilesRecord};
use crate::record::AppRecord;
use flate2::write::DeflateEncoder;
use records::Time;
use std::io::Write;

/// One archive member as a ZIP writer would store it.
struct Entry<'a> {
    name: &'a str,
    content: &'a [u8],
    deflate: bool,
    descriptor: bool,
}

fn entry<'a>(name: &'a str, content: &'a [u8]) -> Entry<'a> {
    Entry {
        name,
        content,
        deflate: false,
        descriptor: false,
    }
}

/// A ZIP archive of `entries`, with a central directory after them.
fn archive(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let body = if e.deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(e.content).unwrap();
            enc.finish().unwrap()
        } else {
            e.content.to_vec()
        };
        let mut crc = Crc::new();
        crc.update(e.content);
        let flags: u16 = if e.descriptor { FLAG_DESCRIPTOR } else { 0 };
        let method = if e.deflate { DEFLATE } else { STORED };
        let sizes = |v: u32| if e.descriptor { 0 } else { v };
        out.extend_from_slice(LOCAL_HEADER);
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // time
        out.extend_from_slice(&sizes(crc.sum()).to_le_bytes());
        out.extend_from_slice(&sizes(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&sizes(e.content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&body);
        if e.descriptor {
            out.extend_from_slice(DESCRIPTOR);
            out.extend_from_slice(&crc.sum().to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(e.content.len() as u32).to_le_bytes());
        }
    }
    out.extend_from_slice(b"PK\x01\x02 central directory follows");
    out
}

/// files.log rows for `data` sent as one file in `chunk`-byte pieces.
fn rows(data: &[u8], chunk: usize, unzip: bool) -> Vec<FilesRecord> {
    let conn = crate::test_support::conn(6, 80);
    let config = AnalyzerConfig {
        files: FilesConfig {
            hash: false,
            unzip,
            ..FilesConfig::default()
        },
        ..AnalyzerConfig::default()
    };
    let mut fuids = FuidGen::new(Some(1));
    let mut sink: Vec<AppRecord> = Vec::new();
    let mut cx = Context::new(&conn, Time(1), &config, &mut fuids, &mut sink);
    let mut t = Transfer::begin(&mut cx, "HTTP", false, Some(data.len() as u64));
    for c in data.chunks(chunk.max(1)) {
        t.data(&mut cx, c);
    }
    t.end(&mut cx);
    sink.into_iter()
        .filter_map(|r| match r {
            AppRecord::Files(f) => Some(*f),
            _ => None,
        })
        .collect()
}

fn summary(rows: &[FilesRecord]) -> Vec<(String, String, u64, Option<u64>)> {
    rows.iter()
        .map(|r| {
            (
                r.source.clone().unwrap_or_default(),
                r.filename
                    .as_ref()
                    .map(|f| String::from_utf8_lossy(&f.0).into_owned())
                    .unwrap_or_default(),
                r.seen_bytes,
                r.total_bytes,
            )
        })
        .collect()
}

#[test]
fn members_become_files_of_their_own_in_any_chunking() {
    let text = b"hello zip ".repeat(300);
    let data = archive(&[
        entry("a.txt", b"plain stored member"),
        Entry {
            deflate: true,
            ..entry("b.txt", &text)
        },
    ]);
    for chunk in [1, 7, 100, data.len()] {
        let rows = rows(&data, chunk, true);
        assert_eq!(
            summary(&rows),
            vec![
                ("ZIP".into(), "a.txt".into(), 19, Some(19)),
                ("ZIP".into(), "b.txt".into(), 3000, Some(3000)),
                (
                    "HTTP".into(),
                    String::new(),
                    data.len() as u64,
                    Some(data.len() as u64)
                ),
            ],
            "chunk {chunk}"
        );
        let parent = &rows[2];
        assert_eq!(parent.mime_type.as_deref(), Some("application/zip"));
        assert!(rows[..2]
            .iter()
            .all(|r| r.parent_fuid.as_deref() == Some(parent.fuid.as_str())));
        assert!(rows[..2].iter().all(|r| r.depth == 1));
    }
}

#[test]
fn descriptor_members_end_where_the_crc_matches() {
    // The content itself holds a descriptor signature that is not the end.
    let tricky = b"before PK\x07\x08 0123456789ab after".to_vec();
    let data = archive(&[
        Entry {
            descriptor: true,
            ..entry("d.bin", &tricky)
        },
        Entry {
            descriptor: true,
            deflate: true,
            ..entry("e.txt", &b"deflated with a descriptor".repeat(50))
        },
    ]);
    for chunk in [1, 5, data.len()] {
        let rows = rows(&data, chunk, true);
        let s = summary(&rows);
        assert_eq!(
            s[0],
            ("ZIP".into(), "d.bin".into(), tricky.len() as u64, None)
        );
        assert_eq!(s[1].2, 26 * 50, "chunk {chunk}");
        assert_eq!(s.len(), 3);
    }
}

#[test]
fn nested_archives_and_the_switch() {
    let inner = archive(&[entry("inner.txt", b"deep")]);
    let outer = archive(&[entry("inner.zip", &inner)]);
    let rows = rows(&outer, 64, true);
    let names: Vec<_> = summary(&rows).into_iter().map(|s| s.1).collect();
    assert_eq!(names, vec!["inner.txt", "inner.zip", ""]);
    assert_eq!(rows[0].depth, 2);
    assert_eq!(
        self::rows(&outer, 64, false).len(),
        1,
        "off unless registered"
    );
}

#[test]
fn truncated_or_hostile_archives_end_quietly() {
    let data = archive(&[entry("x.txt", &[b'x'; 500])]);
    // Cut inside the member: it ends with what it got.
    let rows = rows(&data[..200], 13, true);
    assert_eq!(summary(&rows)[0].1, "x.txt");
    assert!(summary(&rows)[0].2 < 500);
    // ZIP64 sizes and garbage after the magic stop the extraction.
    let mut zip64 = archive(&[entry("y", b"y")]);
    zip64[18..26].copy_from_slice(&[0xFF; 8]);
    assert_eq!(self::rows(&zip64, 9, true).len(), 1);
    let mut bad = b"PK\x03\x04".to_vec();
    bad.extend([0xA5; 3000]);
    assert!(self::rows(&bad, 100, true).len() <= 2);
    // A deflate member whose stream is corrupt stops inflating.
    let mut broken = archive(&[Entry {
        deflate: true,
        ..entry("z", &[7u8; 4000])
    }]);
    broken[40] ^= 0xFF;
    let rows = self::rows(&broken, 50, true);
    assert!(rows.len() >= 2);
}
