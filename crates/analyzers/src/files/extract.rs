//! Writing files to disk: Zeek's EXTRACT file analyzer as
//! `frameworks/files/extract-all-files` attaches it. Content streams to the
//! file as it arrives; missing bytes become holes, as in Zeek (they count
//! towards the per-file limit, `default_limit_includes_missing`).

use records::Time;
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Bytes written by all extractions of a run, shared by every copy of the
/// same `FilesConfig`, for `extract_total_limit`.
#[derive(Debug, Clone, Default)]
pub struct ExtractBudget(Arc<AtomicU64>);

impl ExtractBudget {
    /// Takes up to `want` bytes out of `cap` (0: no cap); the bytes granted.
    fn take(&self, want: u64, cap: u64) -> u64 {
        if cap == 0 {
            self.0.fetch_add(want, Ordering::Relaxed);
            return want;
        }
        let mut granted = 0;
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                granted = want.min(cap.saturating_sub(used));
                Some(used + granted)
            });
        granted
    }

    /// Bytes extracted so far.
    pub fn used(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Zeek's name for an extracted file: `extract-<ts>-<source>-<fuid>`,
/// built only from what Shrike itself chose (never from the traffic).
pub(super) fn file_name(ts: Time, source: &str, fuid: &str) -> String {
    let us = (ts.0 + 500).div_euclid(1000);
    let safe = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    format!(
        "extract-{}.{:06}-{}-{}",
        us.div_euclid(1_000_000),
        us.rem_euclid(1_000_000),
        safe(source),
        safe(fuid)
    )
}

/// The files.log columns of an extraction.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Extracted {
    pub name: Option<String>,
    pub cutoff: Option<bool>,
    pub size: Option<u64>,
}

/// One file being written.
pub(super) struct Extraction {
    /// `None` once writing failed: the file is then removed, not logged.
    out: Option<BufWriter<File>>,
    path: PathBuf,
    name: String,
    /// The file's length so far, holes included.
    size: u64,
    /// Missing bytes at the end, not yet on disk.
    hole: u64,
    limit: u64,
    cutoff: bool,
}

impl Extraction {
    /// Creates `dir/name`; `limit` caps the file's size (0: no limit).
    pub fn start(dir: &Path, name: String, limit: u64) -> io::Result<Extraction> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(&name);
        let out = BufWriter::new(File::create(&path)?);
        Ok(Extraction {
            out: Some(out),
            path,
            name,
            size: 0,
            hole: 0,
            limit,
            cutoff: false,
        })
    }

    /// How much of `len` more bytes fits under the per-file limit; a
    /// shortfall cuts the file off.
    fn room_for(&mut self, len: u64) -> u64 {
        if self.cutoff || self.out.is_none() {
            return 0;
        }
        let room = if self.limit == 0 {
            len
        } else {
            len.min(self.limit.saturating_sub(self.size))
        };
        self.cutoff = room < len;
        room
    }

    /// The next bytes of the file; `budget` and `total_cap` bound the run.
    pub fn write(&mut self, bytes: &[u8], budget: &ExtractBudget, total_cap: u64) {
        let room = self.room_for(bytes.len() as u64);
        let granted = budget.take(room, total_cap);
        self.cutoff |= granted < room;
        if granted == 0 {
            return;
        }
        let chunk = &bytes[..granted as usize];
        let hole = std::mem::take(&mut self.hole);
        let result = self.out.as_mut().map_or(Ok(()), |out| {
            if hole > 0 {
                out.seek(SeekFrom::Current(hole as i64))?;
            }
            out.write_all(chunk)
        });
        self.size += granted;
        if result.is_err() {
            self.fail();
        }
    }

    /// `len` bytes of the file are missing: a hole in the extracted file.
    pub fn gap(&mut self, len: u64) {
        let room = self.room_for(len);
        self.hole += room;
        self.size += room;
    }

    fn fail(&mut self) {
        self.out = None;
        let _ = std::fs::remove_file(&self.path);
    }

    /// Closes the file; what files.log says about it.
    pub fn finish(mut self) -> Extracted {
        let closed = self.out.take().map(|out| {
            let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
            if self.hole > 0 {
                file.set_len(self.size)?;
            }
            Ok::<_, io::Error>(())
        });
        match closed {
            Some(Ok(())) => Extracted {
                name: Some(self.name),
                cutoff: Some(self.cutoff),
                size: self.cutoff.then_some(self.size),
            },
            Some(Err(_)) => {
                self.fail();
                Extracted::default()
            }
            None => Extracted::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_zeek() {
        let ts = Time(1_320_279_566_452_687_400);
        assert_eq!(
            file_name(ts, "HTTP", "FZkGcy26oUimsCoAH1"),
            "extract-1320279566.452687-HTTP-FZkGcy26oUimsCoAH1"
        );
        assert_eq!(
            file_name(Time(1_000_000), "../x", "F/.."),
            "extract-0.001000-x-F"
        );
    }

    #[test]
    fn the_budget_is_shared_and_capped() {
        let budget = ExtractBudget::default();
        let copy = budget.clone();
        assert_eq!(budget.take(60, 100), 60);
        assert_eq!(copy.take(60, 100), 40);
        assert_eq!(budget.take(1, 100), 0);
        assert_eq!(budget.used(), 100);
        assert_eq!(ExtractBudget::default().take(7, 0), 7);
    }
}
