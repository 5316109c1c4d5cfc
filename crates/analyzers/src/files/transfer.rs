//! One file moving over a connection, from its first byte to its files.log
//! row: Zeek's `fa_file` with the analyzers `hash-all-files` and
//! `extract-all-files` attach, and the bookkeeping of
//! `base/frameworks/files/main.zeek`.

use super::extract::{self, Extraction};
use super::hash::Hashes;
use super::record::FilesRecord;
use super::zip::{self, Parent, ZipArchive};
use super::{mime, FilesConfig};
use crate::context::{ConnInfo, Context};
use crate::record::AppRecord;
use records::{Interval, Port, Set, Time, ZString};

/// Zeek's default `default_file_bof_buffer_size`: the bytes at the
/// beginning of a file kept for MIME sniffing.
pub const BOF_BUFFER_SIZE: usize = 3000;

/// Zeek's `default_file_timeout_interval`: a file without activity for
/// this long times out.
pub const FILE_TIMEOUT: Interval = Interval(120_000_000_000);

/// One file being transferred over a connection. Protocol analyzers create
/// it when a body or attachment starts, feed it in order, and end it; the
/// row goes to files.log when it ends.
pub struct Transfer {
    rec: FilesRecord,
    /// Data seen yet: `ts` is the time of the first data.
    started: bool,
    /// Time of the last data or gap (`duration` ends there).
    last_active: Time,
    /// The beginning of the file, until the MIME type is sniffed.
    bof: Vec<u8>,
    /// How much of the beginning `bof` keeps.
    bof_size: usize,
    /// MIME sniffing is done (or was settled by the protocol).
    sniffed: bool,
    /// All the announced bytes arrived: later data is not part of the file.
    complete: bool,
    /// Where the next bytes go, once the protocol placed data at offsets
    /// (HTTP byte ranges), and the highest offset reached.
    placed: Option<(u64, u64)>,
    /// Dropped on the first gap: Zeek's hash analyzers give up there.
    hashes: Option<Hashes>,
    extraction: Option<Extraction>,
    /// ZIP archives get their members extracted (`policy/files/zip/register`).
    unzip: bool,
    /// The members being extracted, once the file sniffed as a ZIP archive.
    archive: Option<Box<ZipArchive>>,
}

impl Transfer {
    /// A new file seen on `cx`'s connection, sent by the originator if
    /// `is_orig`; `source` is the analyzer ("HTTP", "SMTP", "FTP_DATA");
    /// `total_bytes` when the protocol announces the size.
    pub fn begin(
        cx: &mut Context<'_>,
        source: &str,
        is_orig: bool,
        total_bytes: Option<u64>,
    ) -> Transfer {
        let c = cx.conn;
        let rec = FilesRecord {
            ts: cx.now,
            fuid: cx.new_fuid(),
            uid: Some(c.uid.to_string()),
            orig_h: Some(c.orig_h),
            orig_p: Some(Port(c.orig_p)),
            resp_h: Some(c.resp_h),
            resp_p: Some(Port(c.resp_p)),
            source: Some(source.to_string()),
            depth: 0,
            analyzers: Set(Vec::new()),
            local_orig: sender_is_local(c, is_orig),
            is_orig: Some(is_orig),
            total_bytes,
            ..FilesRecord::default()
        };
        let mut t = Transfer {
            rec,
            started: false,
            last_active: cx.now,
            bof: Vec::new(),
            bof_size: cx.config.files.bof_buffer_size,
            sniffed: false,
            complete: false,
            placed: None,
            hashes: None,
            extraction: None,
            unzip: cx.config.files.unzip,
            archive: None,
        };
        t.attach_analyzers(&cx.config.files, cx.now);
        t
    }

    /// What `hash-all-files` and `extract-all-files` add to every new file,
    /// named in the order Zeek's files.log lists them.
    fn attach_analyzers(&mut self, config: &FilesConfig, now: Time) {
        if config.hash {
            self.hashes = Some(Hashes::new());
            self.add_analyzer_names(&["SHA1", "SHA256", "MD5"]);
        }
        if let Some(dir) = &config.extract_dir {
            self.add_analyzer_names(&["EXTRACT"]);
            let source = self.rec.source.as_deref().unwrap_or_default();
            let name = extract::file_name(now, source, &self.rec.fuid);
            // A file that cannot be created is not extracted: `extracted`
            // stays unset.
            self.extraction = Extraction::start(dir, name, config.extract_limit).ok();
        }
    }

    fn add_analyzer_names(&mut self, names: &[&str]) {
        self.rec
            .analyzers
            .0
            .extend(names.iter().map(|n| n.to_string()));
    }

    /// The file's id (for `orig_fuids`/`resp_fuids`).
    pub fn fuid(&self) -> &str {
        &self.rec.fuid
    }

    /// The sniffed MIME type, once known: after the BOF buffer filled, a
    /// gap, or the end of the file.
    pub fn mime_type(&self) -> Option<&str> {
        self.rec.mime_type.as_deref()
    }

    /// The file name the protocol announced (e.g. Content-Disposition).
    pub fn set_filename(&mut self, name: &[u8]) {
        self.rec.filename = Some(ZString(name.to_vec()));
    }

    /// The size, when the protocol announces it after the file began.
    pub fn set_total_bytes(&mut self, total: u64) {
        self.rec.total_bytes = Some(total);
    }

    /// The nesting depth the protocol gives the file (e.g. a MIME entity's).
    pub fn set_depth(&mut self, depth: u64) {
        self.rec.depth = depth;
    }

    /// The file this one was extracted from (an archive member's archive).
    pub fn set_parent_fuid(&mut self, parent: &str) {
        self.rec.parent_fuid = Some(parent.to_string());
    }

    /// A MIME type the protocol knows (as Zeek's SSL analyzer gives its
    /// certificates); as in Zeek it counts only before any data arrived.
    pub fn set_mime_type(&mut self, mime: &str) {
        if !self.sniffed && self.bof.is_empty() {
            self.sniffed = true;
            self.rec.mime_type = Some(mime.to_string());
        }
    }

    /// Network time of the file's last data or gap.
    pub fn last_active(&self) -> Time {
        self.last_active
    }

    /// No data or gap for `FILE_TIMEOUT`: Zeek would time the file out.
    pub fn is_idle(&self, now: Time) -> bool {
        now.since(self.last_active) >= FILE_TIMEOUT
    }

    /// Notes activity at `now`; the first one dates the file.
    fn touch(&mut self, now: Time) {
        if !self.started {
            self.started = true;
            self.rec.ts = now;
        }
        self.last_active = now;
    }

    /// The next bytes belong at `offset` of the file (a byte range). The
    /// holes left below the highest offset reached count as missing, as
    /// Zeek's file reassembly counts them; hashes of such a file are void.
    pub fn seek(&mut self, offset: u64) {
        let high = self.placed.map_or(0, |(_, high)| high);
        self.placed = Some((offset, high));
        self.hashes = None;
    }

    /// The protocol saw activity for this file at `now` without data (the
    /// end of a byte-range part): it counts for the file's duration.
    pub fn active(&mut self, now: Time) {
        self.touch(now);
    }

    /// Whether all the announced bytes arrived (later data is not part of
    /// the file).
    pub fn complete(&self) -> bool {
        self.complete
    }

    /// Whether an announced size was not reached.
    pub fn incomplete(&self) -> bool {
        let reached = match self.placed {
            Some((_, high)) => high,
            None => self.rec.seen_bytes + self.rec.missing_bytes,
        };
        self.rec.total_bytes.is_some_and(|total| reached < total)
    }

    /// The next bytes of the file, in order.
    pub fn data(&mut self, cx: &mut Context<'_>, bytes: &[u8]) {
        if self.complete {
            return;
        }
        self.touch(cx.now);
        self.rec.seen_bytes += bytes.len() as u64;
        if let Some((at, high)) = &mut self.placed {
            *at += bytes.len() as u64;
            *high = (*high).max(*at);
        }
        let buffered = self.buffer_bof(bytes);
        if let Some(h) = &mut self.hashes {
            h.update(bytes);
        }
        if let Some(e) = &mut self.extraction {
            let files = &cx.config.files;
            e.write(bytes, &files.extract_budget, files.extract_total_limit);
        }
        self.feed_archive(cx, &bytes[buffered..]);
        self.check_complete();
    }

    /// Archive members get the bytes: first what the sniffing buffer kept
    /// for them, then `bytes`.
    fn feed_archive(&mut self, cx: &mut Context<'_>, bytes: &[u8]) {
        let Some(archive) = &mut self.archive else {
            return;
        };
        let parent = Parent {
            fuid: &self.rec.fuid,
            depth: self.rec.depth,
            is_orig: self.rec.is_orig.unwrap_or(false),
        };
        let kept = std::mem::take(&mut self.bof);
        archive.feed(cx, &parent, &kept);
        archive.feed(cx, &parent, bytes);
    }

    /// `len` bytes of the file are missing.
    pub fn gap(&mut self, len: u64) {
        if self.complete {
            return;
        }
        self.started = true;
        self.rec.missing_bytes += len;
        if let Some(a) = &mut self.archive {
            a.gap();
        }
        // Zeek sniffs what it has when a gap interrupts the BOF buffer, and
        // its hash analyzers give up.
        self.sniff_now();
        self.hashes = None;
        if let Some(e) = &mut self.extraction {
            e.gap(len);
        }
        self.check_complete();
    }

    fn check_complete(&mut self) {
        if self.placed.is_some() {
            return;
        }
        let offset = self.rec.seen_bytes + self.rec.missing_bytes;
        self.complete = self.rec.total_bytes.is_some_and(|total| offset >= total);
    }

    /// Keeps the beginning for sniffing; returns how many of `bytes` it
    /// took.
    fn buffer_bof(&mut self, bytes: &[u8]) -> usize {
        if self.sniffed {
            return 0;
        }
        let taken = bytes
            .len()
            .min(self.bof_size.saturating_sub(self.bof.len()));
        self.bof.extend_from_slice(&bytes[..taken]);
        if self.bof.len() >= self.bof_size {
            self.sniff_now();
        }
        taken
    }

    /// Sniffs the MIME type from what is buffered of the beginning now,
    /// without waiting for the buffer to fill (the file is about to end),
    /// and frees the buffer. Zeek does the same at the end of a file.
    pub fn sniff_now(&mut self) {
        if self.sniffed {
            return;
        }
        self.sniffed = true;
        if let Some(mime) = mime::sniff(&self.bof) {
            self.rec.mime_type = Some(mime.to_string());
        }
        let archive = self.unzip
            && self.rec.depth < zip::MAX_DEPTH
            && self.rec.mime_type.as_deref() == Some("application/zip");
        if archive {
            // The buffer goes to the members too (see `feed_archive`).
            self.archive = Some(Box::default());
        } else {
            self.bof = Vec::new();
        }
    }

    /// The file is complete (or abandoned): write its files.log row.
    pub fn end(mut self, cx: &mut Context<'_>) {
        self.sniff_now();
        self.feed_archive(cx, &[]);
        if let Some(a) = self.archive.take() {
            a.finish(cx);
        }
        if let Some((_, high)) = self.placed {
            let holes = high.saturating_sub(self.rec.seen_bytes);
            self.rec.missing_bytes = self.rec.missing_bytes.max(holes);
        }
        if let Some(d) = self.hashes.take().and_then(Hashes::finish) {
            self.rec.md5 = Some(d.md5);
            self.rec.sha1 = Some(d.sha1);
            self.rec.sha256 = Some(d.sha256);
        }
        if let Some(e) = self.extraction.take() {
            let out = e.finish();
            self.rec.extracted = out.name;
            self.rec.extracted_cutoff = out.cutoff;
            self.rec.extracted_size = out.size;
        }
        self.rec.duration = self.last_active.since(self.rec.ts);
        cx.emit(AppRecord::Files(Box::new(self.rec)));
    }

    /// The file saw no activity for `FILE_TIMEOUT`: log it as timed out.
    pub fn timed_out(mut self, cx: &mut Context<'_>) {
        self.rec.timedout = true;
        self.end(cx);
    }
}

/// files.log's `local_orig`: whether the sender of the file is local.
fn sender_is_local(conn: &ConnInfo<'_>, is_orig: bool) -> Option<bool> {
    if is_orig {
        conn.local_orig
    } else {
        conn.local_resp
    }
}
