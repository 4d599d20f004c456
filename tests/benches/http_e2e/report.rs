//! The figures of each run, and the report over the runs: min, median and max of each, and the
//! one line that puts a match's time in the server beside the floor measured in the same runs.

/// One measured number of a run, as the report prints it.
pub struct Figure {
    pub label: String,
    pub value: f64,
    /// Digits after the point in the report.
    pub decimals: usize,
}

/// The figures of one run, in report order; every run of a layout yields the same labels.
#[derive(Default)]
pub struct Run {
    pub figures: Vec<Figure>,
}

impl Run {
    pub fn add(&mut self, label: impl Into<String>, value: f64, decimals: usize) {
        self.figures.push(Figure {
            label: label.into(),
            value,
            decimals,
        });
    }

    fn value(&self, label: &str) -> Option<f64> {
        self.figures
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value)
    }
}

/// Labels of the figures the stage line is made of.
pub mod labels {
    pub const LOCK: &str = "paced match, stage `lock`, mean ms";
    pub const ASK: &str = "paced match, stage `ask` (the matcher over NATS), mean ms";
    pub const RECORD: &str = "paced match, stage `record` (one commit), mean ms";
    pub const IN_SERVER: &str = "paced match, whole request in the server, mean ms";
    pub const FLOOR_NATS: &str = "floor: NATS request/reply round trip, p50 ms";
    pub const FLOOR_SCORING: &str = "floor: scoring 100,000 candidates (matcher), mean ms";
    pub const FLOOR_FSYNC: &str = "floor: 4 KiB write + fdatasync on the data disk, p50 ms";
}

/// The smallest, middle and largest of `values` (an even count takes the lower middle).
fn spread(values: &mut [f64]) -> (f64, f64, f64) {
    assert!(!values.is_empty(), "a figure without runs");
    values.sort_by(f64::total_cmp);
    let middle = values[(values.len() - 1) / 2];
    (values[0], middle, values[values.len() - 1])
}

/// Prints the table of every figure over `runs`, then the stage line.
pub fn print(runs: &[Run]) {
    let Some(first) = runs.first() else { return };
    println!("| figure ({} runs) | min | median | max |", runs.len());
    println!("|---|---:|---:|---:|");
    for (index, figure) in first.figures.iter().enumerate() {
        let mut values: Vec<f64> = runs.iter().map(|r| r.figures[index].value).collect();
        let (min, median, max) = spread(&mut values);
        let d = figure.decimals;
        println!(
            "| {} | {min:.d$} | {median:.d$} | {max:.d$} |",
            figure.label
        );
    }
    println!();
    print_stage_line(runs);
}

/// The median over `runs` of the figure `label`.
fn median(runs: &[Run], label: &str) -> f64 {
    let mut values: Vec<f64> = runs.iter().filter_map(|r| r.value(label)).collect();
    spread(&mut values).1
}

/// A paced match's time in the server by stage beside the floor, medians over the runs.
fn print_stage_line(runs: &[Run]) {
    use labels::*;
    let [lock, ask, record, whole] = [LOCK, ASK, RECORD, IN_SERVER].map(|l| median(runs, l));
    let [nats, scoring, fsync] = [FLOOR_NATS, FLOOR_SCORING, FLOOR_FSYNC].map(|l| median(runs, l));
    let rest = whole - lock - ask - record;
    let floor = nats + scoring + fsync;
    println!(
        "Where a paced match's time goes (medians): in the server {whole:.2} ms = lock {lock:.2} \
         + ask {ask:.2} + record {record:.2} + the rest {rest:.2} (routing, session, checks); \
         the floor measured in the same runs = NATS round trip {nats:.2} + scoring {scoring:.2} \
         + fsync {fsync:.2} = {floor:.2} ms; the gap to the floor is {:.2} ms.",
        whole - floor
    );
}
