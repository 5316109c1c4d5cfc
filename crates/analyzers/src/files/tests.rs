//! Transfers end to end: what files.log gets, and what lands on disk.

use super::*;
use crate::context::{AnalyzerConfig, ConnInfo, Context, FuidGen};
use crate::record::AppRecord;
use records::{Interval, Time};
use std::path::{Path, PathBuf};

/// A connection, its options and what its analyzers wrote.
struct Harness {
    conn: ConnInfo<'static>,
    config: AnalyzerConfig,
    fuids: FuidGen,
    sink: Vec<AppRecord>,
}

impl Harness {
    fn new(files: FilesConfig) -> Self {
        Harness {
            conn: ConnInfo {
                uid: "CHhAvVGS1DHFjwGM9",
                orig_h: "10.0.0.1".parse().unwrap(),
                orig_p: 49152,
                resp_h: "192.0.2.80".parse().unwrap(),
                resp_p: 80,
                proto: 6,
                local_orig: Some(true),
                local_resp: Some(false),
                start: records::Time(0),
            },
            config: AnalyzerConfig {
                files,
                ..AnalyzerConfig::default()
            },
            fuids: FuidGen::new(Some(1)),
            sink: Vec::new(),
        }
    }

    /// Runs `f` with a context at network time `secs`.
    fn at<R>(&mut self, secs: f64, f: impl FnOnce(&mut Context<'_>) -> R) -> R {
        let now = Time::from_secs_f64(secs);
        let mut cx = Context::new(
            &self.conn,
            now,
            &self.config,
            &mut self.fuids,
            &mut self.sink,
        );
        f(&mut cx)
    }

    /// One file sent by the responder: `chunks` at successive times.
    fn transfer(&mut self, total: Option<u64>, chunks: &[&[u8]]) -> FilesRecord {
        let mut t = self.at(10.0, |cx| Transfer::begin(cx, "HTTP", false, total));
        for (i, c) in chunks.iter().enumerate() {
            self.at(10.5 + i as f64 * 0.25, |cx| t.data(cx, c));
        }
        self.at(30.0, |cx| t.end(cx));
        self.last_file()
    }

    fn last_file(&self) -> FilesRecord {
        match self.sink.last() {
            Some(AppRecord::Files(f)) => (**f).clone(),
            other => panic!("expected a files.log row, got {other:?}"),
        }
    }
}

fn no_hashing() -> FilesConfig {
    FilesConfig {
        hash: false,
        ..FilesConfig::default()
    }
}

#[test]
fn a_complete_file_is_logged_as_zeek_does() {
    let mut h = Harness::new(FilesConfig::default());
    let f = h.transfer(Some(11), &[b"hello ", b"world"]);
    assert_eq!(f.ts, Time::from_secs_f64(10.5), "ts is the first data");
    assert_eq!(
        f.duration,
        Interval::from_secs_f64(0.25),
        "up to the last data"
    );
    assert_eq!(f.uid.as_deref(), Some("CHhAvVGS1DHFjwGM9"));
    assert_eq!(f.resp_p, Some(records::Port(80)));
    assert_eq!(f.source.as_deref(), Some("HTTP"));
    assert_eq!(f.is_orig, Some(false));
    assert_eq!(
        f.local_orig,
        Some(false),
        "the sender (the responder) is not local"
    );
    assert_eq!(
        (f.seen_bytes, f.total_bytes, f.missing_bytes),
        (11, Some(11), 0)
    );
    assert_eq!((f.overflow_bytes, f.timedout, f.depth), (0, false, 0));
    assert_eq!(f.mime_type.as_deref(), Some("text/plain"));
    assert_eq!(f.analyzers.0, ["SHA1", "SHA256", "MD5"]);
    assert_eq!(f.md5.as_deref(), Some("5eb63bbbe01eeed093cb22bb8f5acdc3"));
    assert_eq!(
        f.sha1.as_deref(),
        Some("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")
    );
    let sha256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";
    assert_eq!(f.sha256.as_deref(), Some(sha256));
    assert_eq!(f.extracted, None);
    assert!(f.fuid.starts_with('F') && f.fuid.len() > 10);
}

#[test]
fn files_the_originator_sends_take_its_locality() {
    let mut h = Harness::new(no_hashing());
    let t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", true, None));
    h.at(2.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!((f.is_orig, f.local_orig), (Some(true), Some(true)));
    assert_eq!(
        f.ts,
        Time::from_secs_f64(1.0),
        "without data, the file's start"
    );
    assert!(f.analyzers.0.is_empty());
    assert_eq!(f.md5, None);
}

#[test]
fn data_past_the_announced_size_is_not_part_of_the_file() {
    let mut h = Harness::new(FilesConfig::default());
    let f = h.transfer(Some(5), &[b"hello", b"extra"]);
    assert_eq!(f.seen_bytes, 5);
    assert_eq!(f.md5.as_deref(), Some("5d41402abc4b2a76b9719d911017c592"));
    assert_eq!(f.duration, Interval(0));
}

#[test]
fn gaps_are_missing_bytes_and_end_hashing() {
    let mut h = Harness::new(FilesConfig::default());
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, Some(1000)));
    h.at(1.0, |cx| t.data(cx, b"%PDF-1.7\n"));
    t.gap(100);
    assert_eq!(
        t.mime_type(),
        Some("application/pdf"),
        "a gap ends the BOF buffer"
    );
    h.at(2.0, |cx| t.data(cx, b"more"));
    h.at(3.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!((f.seen_bytes, f.missing_bytes), (13, 100));
    assert_eq!(f.analyzers.0, ["SHA1", "SHA256", "MD5"]);
    assert_eq!((f.md5, f.sha1, f.sha256), (None, None, None));
}

#[test]
fn a_gap_before_any_data_leaves_the_type_unknown() {
    let mut h = Harness::new(no_hashing());
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "SMTP", true, None));
    t.gap(1000);
    h.at(1.0, |cx| {
        t.data(cx, b"<!DOCTYPE html><html><body>text</body></html>")
    });
    h.at(2.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!(
        (f.mime_type, f.missing_bytes, f.seen_bytes),
        (None, 1000, 45)
    );
}

#[test]
fn the_type_is_known_once_the_bof_buffer_is_full() {
    let mut h = Harness::new(no_hashing());
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, None));
    let text = vec![b'a'; BOF_BUFFER_SIZE + 10];
    h.at(1.0, |cx| t.data(cx, &text[..BOF_BUFFER_SIZE - 1]));
    assert_eq!(t.mime_type(), None);
    h.at(1.0, |cx| t.data(cx, &text[BOF_BUFFER_SIZE - 1..]));
    assert_eq!(t.mime_type(), Some("text/plain"));
    h.at(1.0, |cx| t.end(cx));
    assert_eq!(h.last_file().seen_bytes, BOF_BUFFER_SIZE as u64 + 10);
}

#[test]
fn the_bof_buffer_size_is_an_option() {
    let mut h = Harness::new(FilesConfig {
        bof_buffer_size: 12,
        ..no_hashing()
    });
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, None));
    h.at(1.0, |cx| t.data(cx, b"plain text, "));
    assert_eq!(t.mime_type(), Some("text/plain"));
    // Only the buffered beginning is sniffed: the PHP tag comes too late.
    h.at(1.0, |cx| t.data(cx, b"<?php echo 1; ?>"));
    h.at(1.0, |cx| t.end(cx));
    assert_eq!(h.last_file().mime_type.as_deref(), Some("text/plain"));
}

#[test]
fn a_type_the_protocol_knows_is_not_sniffed() {
    let mut h = Harness::new(no_hashing());
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "SSL", false, None));
    t.set_mime_type("application/x-x509-user-cert");
    h.at(1.0, |cx| {
        t.data(cx, b"\x30\x82\x03\x0bplus some certificate bytes")
    });
    t.set_mime_type("text/plain");
    assert_eq!(t.mime_type(), Some("application/x-x509-user-cert"));
    t.set_filename(b"cert.der");
    t.set_depth(2);
    t.set_parent_fuid("Fparent");
    h.at(1.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!(f.mime_type.as_deref(), Some("application/x-x509-user-cert"));
    assert_eq!(f.filename.map(|n| n.0), Some(b"cert.der".to_vec()));
    assert_eq!((f.depth, f.parent_fuid.as_deref()), (2, Some("Fparent")));
}

#[test]
fn idle_files_time_out() {
    let mut h = Harness::new(no_hashing());
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, Some(100)));
    h.at(2.0, |cx| t.data(cx, b"partial"));
    t.set_total_bytes(200);
    assert!(!t.is_idle(Time::from_secs_f64(121.0)));
    assert!(t.is_idle(Time::from_secs_f64(122.0)));
    assert_eq!(t.last_active(), Time::from_secs_f64(2.0));
    h.at(122.0, |cx| t.timed_out(cx));
    let f = h.last_file();
    assert!(f.timedout);
    assert_eq!(f.total_bytes, Some(200));
    assert_eq!(f.duration, Interval(0), "duration ends at the last data");
}

#[test]
fn sniffing_a_slice_uses_the_bof_buffer_only() {
    let mut html = b"<html>".to_vec();
    html.extend(vec![0u8; 5000]);
    assert_eq!(sniff_mime(&html), Some("text/html"));
    let mut late = vec![b' '; BOF_BUFFER_SIZE];
    late.extend_from_slice(b"<?php echo 1;");
    assert_eq!(sniff_mime(&late), Some("text/plain"));
    assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n"), Some("image/png"));
}

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("shrike-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn extracting(dir: &TempDir, limit: u64, total_limit: u64) -> FilesConfig {
    FilesConfig {
        hash: false,
        extract_dir: Some(dir.path().join("extract_files")),
        extract_limit: limit,
        extract_total_limit: total_limit,
        ..FilesConfig::default()
    }
}

fn extracted_bytes(h: &Harness, f: &FilesRecord) -> Vec<u8> {
    let dir = h.config.files.extract_dir.as_ref().unwrap();
    std::fs::read(dir.join(f.extracted.as_ref().unwrap())).unwrap()
}

#[test]
fn files_are_extracted_under_a_name_zeek_would_give() {
    let dir = TempDir::new("whole");
    let mut h = Harness::new(extracting(&dir, 0, 0));
    let mut t = h.at(10.0, |cx| Transfer::begin(cx, "HTTP", false, None));
    t.set_filename(b"../../escape.txt");
    h.at(10.5, |cx| t.data(cx, b"hello "));
    h.at(11.0, |cx| t.data(cx, b"world"));
    h.at(12.0, |cx| t.end(cx));
    let f = h.last_file();
    let name = format!("extract-10.000000-HTTP-{}", f.fuid);
    assert_eq!(f.extracted.as_deref(), Some(name.as_str()));
    assert_eq!((f.extracted_cutoff, f.extracted_size), (Some(false), None));
    assert_eq!(f.analyzers.0, ["EXTRACT"]);
    assert_eq!(extracted_bytes(&h, &f), b"hello world");
    assert!(!dir.path().join("escape.txt").exists());
}

#[test]
fn the_per_file_limit_cuts_files_off() {
    let dir = TempDir::new("limit");
    let mut h = Harness::new(extracting(&dir, 4, 0));
    let f = h.transfer(None, &[b"hel", b"lo world"]);
    assert_eq!(
        (f.extracted_cutoff, f.extracted_size),
        (Some(true), Some(4))
    );
    assert_eq!(extracted_bytes(&h, &f), b"hell");
    assert_eq!(f.seen_bytes, 11, "the file goes on; only extraction stops");
}

#[test]
fn missing_bytes_are_holes_in_the_extracted_file() {
    let dir = TempDir::new("holes");
    let mut h = Harness::new(extracting(&dir, 0, 0));
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, None));
    h.at(1.0, |cx| t.data(cx, b"ab"));
    t.gap(3);
    h.at(1.0, |cx| t.data(cx, b"cd"));
    t.gap(2);
    h.at(1.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!(extracted_bytes(&h, &f), b"ab\0\0\0cd\0\0");
    assert_eq!(f.extracted_cutoff, Some(false));
}

#[test]
fn missing_bytes_count_towards_the_limit() {
    let dir = TempDir::new("hole-limit");
    let mut h = Harness::new(extracting(&dir, 4, 0));
    let mut t = h.at(1.0, |cx| Transfer::begin(cx, "HTTP", false, None));
    h.at(1.0, |cx| t.data(cx, b"ab"));
    t.gap(5);
    h.at(1.0, |cx| t.data(cx, b"cd"));
    h.at(1.0, |cx| t.end(cx));
    let f = h.last_file();
    assert_eq!(
        (f.extracted_cutoff, f.extracted_size),
        (Some(true), Some(4))
    );
    assert_eq!(extracted_bytes(&h, &f), b"ab\0\0");
}

#[test]
fn the_run_wide_cap_is_shared_by_all_files() {
    let dir = TempDir::new("total");
    let mut h = Harness::new(extracting(&dir, 0, 6));
    let first = h.transfer(None, &[b"hello"]);
    let second = h.transfer(None, &[b"world"]);
    assert_eq!(extracted_bytes(&h, &first), b"hello");
    assert_eq!(first.extracted_cutoff, Some(false));
    assert_eq!(extracted_bytes(&h, &second), b"w");
    assert_eq!(
        (second.extracted_cutoff, second.extracted_size),
        (Some(true), Some(1))
    );
    assert_eq!(h.config.files.extract_budget.used(), 6);
}

#[test]
fn a_directory_that_cannot_be_created_means_no_extraction() {
    let dir = TempDir::new("unwritable");
    std::fs::create_dir_all(dir.path()).unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"not a directory").unwrap();
    let config = FilesConfig {
        extract_dir: Some(blocker.join("extract_files")),
        ..no_hashing()
    };
    let mut h = Harness::new(config);
    let f = h.transfer(None, &[b"some content here"]);
    assert_eq!(
        (f.extracted, f.extracted_cutoff, f.extracted_size),
        (None, None, None)
    );
    assert_eq!(f.analyzers.0, ["EXTRACT"]);
    assert_eq!(f.seen_bytes, 17);
}

#[test]
fn hashing_and_extraction_together() {
    let dir = TempDir::new("both");
    let config = FilesConfig {
        hash: true,
        ..extracting(&dir, 0, 0)
    };
    let mut h = Harness::new(config);
    let f = h.transfer(Some(3), &[b"abc"]);
    assert_eq!(f.analyzers.0, ["SHA1", "SHA256", "MD5", "EXTRACT"]);
    assert_eq!(f.md5.as_deref(), Some("900150983cd24fb0d6963f7d28e17f72"));
    assert_eq!(extracted_bytes(&h, &f), b"abc");
}

#[test]
fn byte_ranges_leave_the_holes_below_them_missing() {
    let mut h = Harness::new(no_hashing());
    let mut t = h.at(10.0, |cx| Transfer::begin(cx, "HTTP", false, Some(1000)));
    t.seek(100);
    h.at(10.1, |cx| t.data(cx, &[b'a'; 50]));
    t.seek(400);
    h.at(10.2, |cx| t.data(cx, &[b'b'; 20]));
    assert!(t.incomplete(), "420 of 1000 bytes reached");
    h.at(10.3, |cx| t.timed_out(cx));
    let f = h.last_file();
    assert_eq!((f.seen_bytes, f.missing_bytes), (70, 350));
    assert_eq!(f.total_bytes, Some(1000));
    assert!(f.timedout);
}
