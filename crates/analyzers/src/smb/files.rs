//! The files an SMB connection moves, as Zeek's file analysis sees them:
//! a file is named by its share path, name and last write time (Zeek's
//! SMB file handle), so every open of the same file on the connection
//! feeds the same files.log row until it is closed or complete. Data
//! comes at offsets (READ and WRITE carry them) and is put in order before
//! it reaches the files framework, as Zeek's file reassembly does.

use crate::files::Transfer;
use crate::Context;
use std::collections::BTreeMap;

/// Zeek's `Files::reassembly_buffer_size`: out-of-order bytes kept per
/// file before the holes are given up as missing.
const REASSEMBLY_BUFFER: usize = 512 * 1024;
/// Files in progress per connection; beyond, the least recently active
/// one ends.
const MAX_OPEN_FILES: usize = 64;

/// What names a file (Zeek's `SMB::get_file_handle`): share path, name,
/// last write time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub path: String,
    pub name: String,
    pub modified: u64,
}

/// What the protocol knows of a file when its first data arrives.
pub struct Announced<'a> {
    pub name: Option<&'a str>,
    /// Its size (0 when unknown: a new file).
    pub size: u64,
}

struct OpenFile {
    handle: Handle,
    transfer: Transfer,
    /// The next offset the files framework expects.
    next: u64,
    /// Data beyond `next`, by offset.
    ahead: BTreeMap<u64, Vec<u8>>,
    ahead_bytes: usize,
}

impl OpenFile {
    /// Bytes at `offset`: what was already delivered is dropped, what fits
    /// goes on, what is ahead waits.
    fn write(&mut self, cx: &mut Context<'_>, offset: u64, data: &[u8]) {
        let end = offset.saturating_add(data.len() as u64);
        if end <= self.next {
            return;
        }
        let skip = self.next.saturating_sub(offset) as usize;
        let (offset, data) = (offset.max(self.next), &data[skip..]);
        if offset > self.next {
            self.ahead_bytes += data.len();
            let slot = self.ahead.entry(offset).or_default();
            if slot.len() < data.len() {
                self.ahead_bytes -= slot.len();
                *slot = data.to_vec();
            } else {
                self.ahead_bytes -= data.len();
            }
            if self.ahead_bytes > REASSEMBLY_BUFFER {
                self.flush(cx);
            }
            return;
        }
        self.transfer.data(cx, data);
        self.next = end;
        self.drain(cx, false);
    }

    /// Delivers the waiting blocks that are now in order; with `holes`,
    /// all of them, the holes before them becoming missing bytes.
    fn drain(&mut self, cx: &mut Context<'_>, holes: bool) {
        while let Some(entry) = self.ahead.first_entry() {
            let at = *entry.key();
            if at > self.next && !holes {
                break;
            }
            let block = entry.remove();
            self.ahead_bytes -= block.len();
            if at > self.next {
                self.transfer.gap(at - self.next);
                self.next = at;
            }
            let end = at + block.len() as u64;
            if end > self.next {
                let skip = (self.next - at) as usize;
                self.transfer.data(cx, &block[skip..]);
                self.next = end;
            }
        }
    }

    fn flush(&mut self, cx: &mut Context<'_>) {
        self.drain(cx, true);
    }

    fn end(mut self, cx: &mut Context<'_>) {
        self.flush(cx);
        self.transfer.end(cx);
    }
}

/// The files of one connection in progress, in the order they began.
#[derive(Default)]
pub struct Files {
    open: Vec<OpenFile>,
}

impl Files {
    /// File data at `offset`, sent by the originator if `is_orig`. The
    /// file begins with its first data.
    pub fn data(
        &mut self,
        cx: &mut Context<'_>,
        handle: &Handle,
        announced: Announced<'_>,
        is_orig: bool,
        offset: u64,
        data: &[u8],
    ) {
        self.time_out(cx);
        let i = match self.open.iter().position(|f| &f.handle == handle) {
            Some(i) => i,
            None => {
                if self.open.len() >= MAX_OPEN_FILES {
                    self.end_least_recent(cx);
                }
                let total = (announced.size > 0).then_some(announced.size);
                let mut transfer = Transfer::begin(cx, "SMB", is_orig, total);
                if let Some(name) = announced.name {
                    transfer.set_filename(name.as_bytes());
                }
                self.open.push(OpenFile {
                    handle: handle.clone(),
                    transfer,
                    next: 0,
                    ahead: BTreeMap::new(),
                    ahead_bytes: 0,
                });
                self.open.len() - 1
            }
        };
        let file = &mut self.open[i];
        file.write(cx, offset, data);
        // Zeek ends a file the moment its announced size is reached.
        if file.transfer.complete() {
            self.open.remove(i).end(cx);
        }
    }

    /// The file was closed.
    pub fn close(&mut self, cx: &mut Context<'_>, handle: &Handle) {
        if let Some(i) = self.open.iter().position(|f| &f.handle == handle) {
            self.open.remove(i).end(cx);
        }
        self.time_out(cx);
    }

    /// Files without activity for Zeek's file timeout end as timed out.
    fn time_out(&mut self, cx: &mut Context<'_>) {
        let mut i = 0;
        while i < self.open.len() {
            if self.open[i].transfer.is_idle(cx.now) {
                let mut f = self.open.remove(i);
                f.flush(cx);
                f.transfer.timed_out(cx);
            } else {
                i += 1;
            }
        }
    }

    fn end_least_recent(&mut self, cx: &mut Context<'_>) {
        let oldest = (0..self.open.len()).min_by_key(|&i| self.open[i].transfer.last_active());
        if let Some(i) = oldest {
            self.open.remove(i).end(cx);
        }
    }

    /// The connection is gone: every file ends (in the order they began).
    pub fn finish(&mut self, cx: &mut Context<'_>) {
        for f in std::mem::take(&mut self.open) {
            f.end(cx);
        }
    }
}
