//! RITA v5's beacon score, computed over one observation window at full
//! timestamp precision: the mean of
//! * a timestamp score: Bowley skewness and median absolute deviation
//!   (MAD) of the intervals between connections,
//! * a data size score: the same over the bytes each connection sent,
//! * a histogram score: the connections per bin of 24 bins over the window
//!   are flat (coefficient of variation) or bimodal,
//! * a duration score: the connections cover the window, or a long
//!   consecutive run of its bins.

/// Bins of the histogram (RITA: hours of a day).
const BINS: usize = 24;
/// Bins a series must touch for a duration score (RITA: 6 hours).
const DUR_MIN_BINS: usize = 6;
/// A consecutive run of this many bins scores full consistency (RITA: 12).
const DUR_IDEAL_RUN: usize = 12;
/// Bars of similar height are one mode within this share of the tallest.
const HIST_MODE_SENSITIVITY: f64 = 0.05;
/// Bars that may be outliers in the bimodal fit.
const HIST_BIMODAL_OUTLIERS: usize = 1;
/// Bins a series must touch for the bimodal fit (RITA: 11 hours).
const HIST_BIMODAL_MIN_BINS: usize = 11;

/// A beacon score and its parts, each in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub total: f64,
    pub timestamps: f64,
    pub sizes: f64,
    pub histogram: f64,
    pub duration: f64,
}

/// Interval statistics for the notice, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intervals {
    pub mean: f64,
    pub median: f64,
    pub mad: f64,
    pub stddev: f64,
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn ceil3(x: f64) -> f64 {
    (x * 1000.0).ceil() / 1000.0
}

/// Median of sorted values (0 for none).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// Quartiles of sorted values, the halves excluding the median for odd
/// lengths (as RITA's statistics library computes them).
fn quartiles(sorted: &[f64]) -> (f64, f64, f64) {
    let n = sorted.len();
    let (c1, c2) = if n.is_multiple_of(2) {
        (n / 2, n / 2)
    } else {
        (n / 2, n / 2 + 1)
    };
    (median(&sorted[..c1]), median(sorted), median(&sorted[c2..]))
}

/// Median absolute deviation about the median of sorted values.
fn mad(sorted: &[f64]) -> f64 {
    let m = median(sorted);
    let mut dev: Vec<f64> = sorted.iter().map(|x| (x - m).abs()).collect();
    dev.sort_by(f64::total_cmp);
    median(&dev)
}

/// 1 − |Bowley skewness|; a spread under 10 units counts as symmetric.
fn skew_score(sorted: &[f64]) -> f64 {
    let (q1, q2, q3) = quartiles(sorted);
    let den = q3 - q1;
    let skew = if den >= 10.0 && q2 != q1 && q2 != q3 {
        (q1 + q3 - 2.0 * q2) / den
    } else {
        0.0
    };
    1.0 - skew.abs()
}

/// (median − MAD) / median; `default` when the median is below 1.
fn mad_score(sorted: &[f64], default: f64) -> f64 {
    let m = median(sorted);
    let score = if m >= 1.0 {
        (m - mad(sorted)) / m
    } else {
        default
    };
    if score.is_nan() || score < 0.0 {
        0.0
    } else {
        score
    }
}

fn statistical_score(sorted: &[f64], default_mad: f64) -> f64 {
    round3((skew_score(sorted) + mad_score(sorted, default_mad)) / 2.0)
}

/// Connections per bin of [start, end].
fn histogram(times: &[i64], start: i64, end: i64) -> [u64; BINS] {
    let mut bins = [0u64; BINS];
    // In floating point: adversarial timestamps must not overflow.
    let span = (end as f64 - start as f64).max(1.0);
    for &t in times {
        let i = (((t as f64 - start as f64) / span) * BINS as f64).floor();
        bins[(i.max(0.0) as usize).min(BINS - 1)] += 1;
    }
    bins
}

/// 1 − coefficient of variation of the bars (0 when it exceeds 1).
fn cv_score(bins: &[u64]) -> f64 {
    let total: u64 = bins.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let mean = total as f64 / bins.len() as f64;
    let var = bins.iter().map(|&b| (b as f64 - mean).powi(2)).sum::<f64>() / bins.len() as f64;
    let cv = var.sqrt() / mean;
    if cv > 1.0 {
        0.0
    } else {
        round3(1.0 - cv).min(1.0)
    }
}

/// Share of the bars in the two most common heights (bars within 5 % of
/// the tallest are one height), with one outlier forgiven.
fn bimodal_score(bins: &[u64], bars: usize) -> f64 {
    if bars < HIST_BIMODAL_MIN_BINS {
        return 0.0;
    }
    let tallest = bins.iter().copied().max().unwrap_or(0);
    let width = (tallest as f64 * HIST_MODE_SENSITIVITY).ceil().max(1.0);
    let mut heights: Vec<(u64, u64)> = Vec::new();
    for &b in bins.iter().filter(|&&b| b > 0) {
        let h = ((b as f64 / width).floor() * width) as u64;
        match heights.iter_mut().find(|(k, _)| *k == h) {
            Some((_, n)) => *n += 1,
            None => heights.push((h, 1)),
        }
    }
    let mut counts: Vec<u64> = heights.into_iter().map(|(_, n)| n).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top2: u64 = counts.iter().take(2).sum();
    let bars = (bars.saturating_sub(HIST_BIMODAL_OUTLIERS)).max(1);
    round3(top2 as f64 / bars as f64).min(1.0)
}

/// Bins touched and the longest run of touched bins (wrapping around).
fn bars_and_run(bins: &[u64]) -> (usize, usize) {
    let bars = bins.iter().filter(|&&b| b > 0).count();
    let (mut longest, mut run) = (0, 0);
    for i in 0..bins.len() * 2 {
        if bins[i % bins.len()] > 0 {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    (bars, longest.min(bins.len()))
}

fn duration_score(first: i64, last: i64, start: i64, end: i64, bars: usize, run: usize) -> f64 {
    if bars < DUR_MIN_BINS || end <= start {
        return 0.0;
    }
    let coverage = ceil3((last as f64 - first as f64) / (end as f64 - start as f64)).min(1.0);
    let consistency = ceil3(run as f64 / DUR_IDEAL_RUN as f64).min(1.0);
    coverage.max(consistency)
}

/// The sorted non-zero intervals between connection times, in seconds.
fn intervals(times: &[i64]) -> Vec<f64> {
    let mut d: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] as f64 - w[0] as f64) / 1e9)
        .filter(|&d| d > 0.0)
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

/// Scores connections at `times` (nanoseconds) that sent `bytes`, within
/// the window [start, end]. `None` with fewer than 3 non-zero intervals.
pub fn score(times: &mut [i64], bytes: &mut [f64], start: i64, end: i64) -> Option<Score> {
    times.sort_unstable();
    let deltas = intervals(times);
    if deltas.len() < 3 || bytes.len() < 3 {
        return None;
    }
    bytes.sort_by(f64::total_cmp);
    let timestamps = statistical_score(&deltas, 1.0);
    let sizes = statistical_score(bytes, 0.0);
    let bins = histogram(times, start, end);
    let (bars, run) = bars_and_run(&bins);
    let histogram = cv_score(&bins).max(bimodal_score(&bins, bars));
    let (first, last) = (times[0], times[times.len() - 1]);
    let duration = duration_score(first, last, start, end, bars, run);
    Some(Score {
        total: round3((timestamps + sizes + histogram + duration) / 4.0),
        timestamps,
        sizes,
        histogram,
        duration,
    })
}

/// Mean, median, MAD and standard deviation of the intervals between
/// sorted times, in seconds.
pub fn interval_stats(sorted_times: &[i64]) -> Intervals {
    let d = intervals(sorted_times);
    let n = d.len().max(1) as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Intervals {
        mean,
        median: median(&d),
        mad: mad(&d),
        stddev: var.sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: i64 = 1_000_000_000;

    fn series(n: i64, every: f64, jitter: impl Fn(i64) -> f64) -> Vec<i64> {
        (0..n)
            .map(|i| ((i as f64 * every + jitter(i)) * 1e9) as i64)
            .collect()
    }

    #[test]
    fn statistics_match_rita_definitions() {
        let v = [1.0, 2.0, 3.0, 4.0, 100.0];
        assert_eq!(quartiles(&v), (1.5, 3.0, 52.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(mad(&v), 1.0);
        // Bowley skew (1.5 + 52 − 6) / 50.5 = 0.941: score 0.059.
        assert!((skew_score(&v) - (1.0 - 47.5 / 50.5)).abs() < 1e-9);
        assert_eq!(
            skew_score(&[1.0, 2.0, 3.0]),
            1.0,
            "spread under 10 is symmetric"
        );
    }

    #[test]
    fn perfect_beacon_scores_one() {
        let mut times = series(60, 60.0, |_| 0.0);
        let mut bytes = vec![512.0; 60];
        let s = score(&mut times, &mut bytes, 0, 3600 * SEC).unwrap();
        assert_eq!((s.timestamps, s.sizes, s.histogram), (1.0, 1.0, 1.0));
        assert!(s.duration > 0.98 && s.total > 0.99, "{s:?}");
    }

    #[test]
    fn jittered_beacon_still_scores_high() {
        let mut times = series(60, 60.0, |i| ((i * 7919) % 5) as f64 - 2.0);
        let mut bytes: Vec<f64> = (0..60).map(|i| 500.0 + (i % 3) as f64).collect();
        let s = score(&mut times, &mut bytes, 0, 3600 * SEC).unwrap();
        assert!(s.total > 0.9, "{s:?}");
    }

    #[test]
    fn bursty_human_traffic_scores_low() {
        // Bursts of quick requests with long pauses, varied sizes.
        let mut times: Vec<i64> = (0..60)
            .map(|i| ((i / 10) * 600 + (i % 10) * (1 + i % 4)) * SEC + (i * 37 % 1000) * 1_000_000)
            .collect();
        let mut bytes: Vec<f64> = (0..60)
            .map(|i| (300 + (i * i * 97) % 20_000) as f64)
            .collect();
        let s = score(&mut times, &mut bytes, 0, 3600 * SEC).unwrap();
        assert!(s.total < 0.6, "{s:?}");
    }

    #[test]
    fn too_few_intervals_have_no_score() {
        let mut times = vec![0, 0, SEC, SEC];
        assert!(score(&mut times, &mut [1.0; 4], 0, 10 * SEC).is_none());
    }

    #[test]
    fn interval_statistics() {
        let times = series(5, 10.0, |i| if i == 4 { 2.0 } else { 0.0 });
        let s = interval_stats(&times);
        assert_eq!((s.median, s.mad), (10.0, 0.0));
        assert!((s.mean - 10.5).abs() < 1e-9);
    }
}
