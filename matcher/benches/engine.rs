//! The matcher's engine at 10,000, 100,000 and 1,000,000 synthetic candidates, all measured in
//! one run: scoring per request against a raw read of the same column bytes (the memory-
//! bandwidth floor), feature-file load time, and CSV export rows/s. Writes each CSV under
//! `target/bench/` for `scripts/bench.sh` to time pandas on. Run by `scripts/bench.sh`.

use comatching_matcher::scoring::Scorer;
use comatching_matcher::synthetic;
use comatching_matcher::weights::Weights;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::hint::black_box;
use std::io::BufWriter;
use std::path::Path;
use std::time::{Duration, Instant};
use storage::columnar::{self, FeatureTable};
use storage::csv_export;

const REQUESTS: usize = 400;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}

/// Reads every byte of the columns scoring reads, once: the floor any scorer pays. Compiled
/// for AVX2 when the CPU has it, as the scorer's own loop is, so the ratio compares like with
/// like.
fn raw_read(table: &FeatureTable) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: this CPU has AVX2, checked just above.
        return unsafe { raw_read_avx2(table) };
    }
    raw_read_columns(table)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn raw_read_avx2(table: &FeatureTable) -> u64 {
    raw_read_columns(table)
}

#[inline(always)]
fn raw_read_columns(table: &FeatureTable) -> u64 {
    let c = table.columns();
    let bytes = |v: &[u8]| {
        v.iter()
            .fold(0u64, |sum, &b| sum.wrapping_add(u64::from(b)))
    };
    let wide = |v: &[u16]| {
        v.iter()
            .fold(0u64, |sum, &b| sum.wrapping_add(u64::from(b)))
    };
    let words = |v: &[u32]| {
        v.iter()
            .fold(0u64, |sum, &b| sum.wrapping_add(u64::from(b)))
    };
    bytes(&c.gender)
        + bytes(&c.status)
        + bytes(&c.mbti)
        + bytes(&c.hobby_mask)
        + bytes(&c.contact_frequency)
        + wide(&c.birth_year)
        + words(&c.major)
}

fn timed<T>(mut f: impl FnMut() -> T, runs: usize) -> Vec<Duration> {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn main() {
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out_dir).expect("target/bench");
    println!("| candidates | scoring p50 ms | scoring p99 ms | raw read p50 ms | ratio | file load ms | CSV rows/s |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for rows in [10_000usize, 100_000, 1_000_000] {
        let table = synthetic::table(rows, 42);
        let weights = Weights::default().fixed();
        let mut rng = StdRng::seed_from_u64(7);
        let requests: Vec<_> = (0..REQUESTS)
            .map(|_| synthetic::request(&mut rng, 10))
            .collect();
        let mut scorer = Scorer::default();
        scorer.pick(&table, &requests[0], weights);
        let mut next = requests.iter().cycle();
        let scoring = timed(
            || scorer.pick(&table, next.next().expect("cycle"), weights),
            REQUESTS,
        );
        let floor = timed(|| raw_read(&table), REQUESTS);

        let file = out_dir.join(format!("features-{rows}.bin"));
        columnar::save(&file, &table).expect("save");
        let load = timed(|| columnar::load(&file).expect("load"), 7);

        let csv = out_dir.join(format!("candidates-{rows}.csv"));
        let start = Instant::now();
        let writer = BufWriter::with_capacity(1 << 20, std::fs::File::create(&csv).expect("csv"));
        let written = csv_export::export(&table, writer, 2026).expect("export");
        let csv_rate = written as f64 / start.elapsed().as_secs_f64();

        let (p50, floor50) = (percentile(&scoring, 0.5), percentile(&floor, 0.5));
        println!(
            "| {rows} | {:.3} | {:.3} | {:.3} | {:.1}x | {:.1} | {:.0} |",
            ms(p50),
            ms(percentile(&scoring, 0.99)),
            ms(floor50),
            p50.as_secs_f64() / floor50.as_secs_f64(),
            ms(percentile(&load, 0.5)),
            csv_rate
        );
    }
}
