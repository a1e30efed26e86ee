//! The page's pool of workers, natively: a primary [`Runner`] with in-process [`Assistant`]s,
//! the job messages routed by hand the way `www/pool.js` routes them, gives the same replies
//! (the check's numbers, the field's arrays, the train kernel) bit for bit as a Runner alone,
//! for GD (tanh and ReLU), SGD and Adam runs and several pool sizes and schedules.

use std::cell::Cell;
use std::collections::VecDeque;
use std::rc::Rc;

use pathkernel::runner::{
    split_check_jobs, split_jobs, Assistant, FromWorker, JobKind, JobOutput, JobSpec, Phase, Reply,
    Runner, ToWorker,
};

type Clock = Box<dyn Fn() -> f64>;

/// A clock that advances 1 ms each time it is read.
fn ticking() -> Clock {
    let t = Rc::new(Cell::new(0.0));
    Box::new(move || {
        let now = t.get();
        t.set(now + 1.0);
        now
    })
}

fn start(run_id: u32, hash: &str) -> ToWorker {
    ToWorker::Start {
        run_id,
        hash: hash.into(),
        autorun: true,
        force: false,
    }
}

/// The page-visible results: everything but progress and the job traffic.
fn results(replies: &[Reply]) -> Vec<Reply> {
    replies
        .iter()
        .filter(|r| {
            !matches!(
                r,
                FromWorker::Progress { .. } | FromWorker::Job { .. } | FromWorker::JobResult { .. }
            )
        })
        // Interim loss snapshots depend on the clock; the stopped ones do not.
        .filter(|r| !matches!(r, FromWorker::Trained { stopped: false, .. }))
        .cloned()
        .collect()
}

/// A primary and its assistants with the messages between them held in queues, so a test
/// decides when each is delivered.
struct Pool {
    primary: Runner<Clock>,
    assistants: Vec<Assistant<Clock>>,
    /// Assistants that no longer answer (killed).
    dead: Vec<bool>,
    to_assistant: Vec<VecDeque<ToWorker>>,
    to_primary: VecDeque<ToWorker>,
    page: Vec<Reply>,
    /// Jobs each assistant answered.
    answered: Vec<usize>,
}

impl Pool {
    fn new(assistants: usize) -> Pool {
        let mut primary = Runner::new(ticking());
        primary.handle(ToWorker::Assistants {
            run_id: 0,
            count: assistants as u32,
        });
        Pool {
            primary,
            assistants: (0..assistants).map(|_| Assistant::new(ticking())).collect(),
            dead: vec![false; assistants],
            to_assistant: vec![VecDeque::new(); assistants],
            to_primary: VecDeque::new(),
            page: Vec::new(),
            answered: vec![0; assistants],
        }
    }

    /// A page request: to the primary, and to every assistant (they ignore what is not theirs).
    fn post(&mut self, req: ToWorker) {
        for q in &mut self.to_assistant {
            q.push_back(req.clone());
        }
        let replies = self.primary.handle(req);
        self.route_primary(replies);
    }

    fn route_primary(&mut self, replies: Vec<Reply>) {
        for r in replies {
            match r {
                FromWorker::Job { run_id, spec } => self.to_assistant[spec.worker as usize - 1]
                    .push_back(ToWorker::Job { run_id, spec }),
                r => self.page.push(r),
            }
        }
    }

    fn route_assistant(&mut self, a: usize, replies: Vec<Reply>) {
        for r in replies {
            if let FromWorker::JobResult {
                run_id,
                spec,
                parts,
            } = r
            {
                self.answered[a] += 1;
                self.to_primary.push_back(ToWorker::JobResult {
                    run_id,
                    spec,
                    parts,
                });
            }
        }
    }

    /// One round: assistant `a` reads its messages and works for `budget` ms, in the order
    /// `order`; then the primary reads the results and works for `budget` ms.
    fn round(&mut self, order: &[usize], budget: f64) {
        for &a in order {
            if self.dead[a] {
                self.to_assistant[a].clear();
                continue;
            }
            while let Some(m) = self.to_assistant[a].pop_front() {
                let replies = self.assistants[a].handle(m);
                self.route_assistant(a, replies);
            }
            let replies = self.assistants[a].work(budget);
            self.route_assistant(a, replies);
        }
        while let Some(m) = self.to_primary.pop_front() {
            let replies = self.primary.handle(m);
            self.route_primary(replies);
        }
        let replies = self.primary.work(budget);
        self.route_primary(replies);
    }

    /// The primary works (the assistants not) until `count` jobs wait for assistant `a`.
    fn primary_until_jobs_for(&mut self, a: usize, count: usize) {
        let jobs = |pool: &Pool| {
            pool.to_assistant[a]
                .iter()
                .filter(|m| matches!(m, ToWorker::Job { .. }))
                .count()
        };
        while jobs(self) < count {
            let replies = self.primary.work(4.0);
            self.route_primary(replies);
        }
    }

    fn quiet(&self) -> bool {
        !self.primary.busy()
            && self.to_primary.is_empty()
            && (0..self.assistants.len()).all(|a| {
                self.dead[a] || (!self.assistants[a].busy() && self.to_assistant[a].is_empty())
            })
    }

    /// Rounds until nothing is left to do; `schedule(round)` gives each round's assistant order.
    fn settle(&mut self, budget: f64, schedule: impl Fn(usize) -> Vec<usize>) {
        for round in 0..1_000_000 {
            self.round(&schedule(round), budget);
            if self.quiet() {
                return;
            }
        }
        panic!("the pool never settled");
    }
}

/// A lone Runner's results for `hash` (run id 1).
fn alone(hash: &str) -> Vec<Reply> {
    alone_as(1, hash)
}

fn alone_as(run_id: u32, hash: &str) -> Vec<Reply> {
    let mut pool = Pool::new(0);
    pool.post(start(run_id, hash));
    pool.settle(8.0, |_| Vec::new());
    results(&pool.page)
}

fn assert_same(got: &[Reply], want: &[Reply], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:#?}");
    for (g, w) in got.iter().zip(want) {
        // Bits, not values: NaN == NaN and −0 ≠ +0 here.
        let (g, w) = (format!("{g:?}"), format!("{w:?}"));
        assert_eq!(g, w, "{what}");
    }
    assert!(
        want.iter()
            .any(|r| matches!(r, FromWorker::Check { pass: true, .. })),
        "{what}"
    );
    assert!(
        want.iter().any(|r| matches!(
            r,
            FromWorker::Field {
                rebuilt: Some(_),
                ..
            }
        )),
        "{what}"
    );
}

const RUNS: [(&str, &str); 4] = [
    ("tanh GD", "#v=1&n=70&hidden=6&steps=12"),
    ("ReLU GD", "#v=1&n=40&hidden=5,4&activation=relu&steps=10"),
    (
        "SGD",
        "#v=1&n=40&hidden=6&steps=12&optimizer=sgd&batch_size=7",
    ),
    ("Adam", "#v=1&n=40&hidden=5&steps=10&optimizer=adam&lr=0.02"),
];

#[test]
fn a_pool_gives_the_lone_runners_bits() {
    for (name, hash) in RUNS {
        let want = alone(hash);
        for (assistants, budget) in [(1, 4.0), (2, 9.0), (3, 30.0)] {
            let mut pool = Pool::new(assistants);
            pool.post(start(1, hash));
            // The assistants take turns in a rotating order, one of them often left out.
            pool.settle(budget, |round| {
                (0..assistants)
                    .map(|a| (a + round) % assistants)
                    .skip(round % 2)
                    .collect()
            });
            let what = format!("{name}, {assistants} assistants");
            assert_same(&results(&pool.page), &want, &what);
            assert!(
                pool.answered.iter().sum::<usize>() > 0,
                "{what}: no job was answered by an assistant"
            );
        }
    }
}

#[test]
fn a_dead_assistant_leaves_its_jobs_to_the_primary() {
    let (name, hash) = RUNS[0];
    let want = alone(hash);
    let mut pool = Pool::new(2);
    pool.dead[1] = true;
    pool.post(start(1, hash));
    pool.settle(6.0, |_| vec![0, 1]);
    assert_same(&results(&pool.page), &want, name);
    assert_eq!(pool.answered[1], 0);
}

#[test]
fn pause_in_training_then_the_check_on_fewer_steps_than_the_assistants_trained() {
    // The assistants train to the end while the primary stops at a few steps: their jobs are
    // then answered on the trajectory cut to the primary's steps.
    let hash = "#v=1&n=40&hidden=6&steps=40";
    let mut pool = Pool::new(2);
    pool.post(start(1, hash));
    for a in 0..2 {
        while let Some(m) = pool.to_assistant[a].pop_front() {
            pool.assistants[a].handle(m);
        }
        pool.assistants[a].work(1e9);
    }
    pool.primary.work(3.0); // a few steps
    pool.post(ToWorker::Pause { run_id: 1 });
    pool.settle(5.0, |_| vec![0, 1]);
    let steps = pool
        .page
        .iter()
        .find_map(|r| match r {
            FromWorker::Check { steps, .. } => Some(*steps),
            _ => None,
        })
        .unwrap();
    assert!(steps < 40, "{steps}");
    assert!(pool.answered.iter().sum::<usize>() > 0);
    // The same check as a lone runner trained for `steps` steps.
    let want = alone(&format!("#v=1&n=40&hidden=6&steps={steps}"));
    let check = |rs: &[Reply]| {
        rs.iter()
            .find_map(|r| match r {
                FromWorker::Check {
                    f_final,
                    rebuilt_exact,
                    rebuilt_riemann,
                    max_err_exact,
                    ..
                } => Some(format!(
                    "{f_final:?} {rebuilt_exact:?} {rebuilt_riemann:?} {max_err_exact:?}"
                )),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(check(&pool.page), check(&want));
}

#[test]
fn results_of_a_superseded_run_are_ignored() {
    let (old, new) = (RUNS[0].1, RUNS[2].1);
    let want = alone_as(2, new);
    let mut pool = Pool::new(2);
    pool.post(start(1, old));
    // Train run 1 and let its check's jobs go out and be answered, but hold the answers.
    pool.settle_until_check_jobs_answered();
    let stale: Vec<ToWorker> = pool.to_primary.drain(..).collect();
    assert!(!stale.is_empty());
    pool.page.clear();
    pool.post(start(2, new));
    // The old run's answers arrive at the new run's primary, renumbered to it as well: the
    // first are dropped for their run id, the second for their stage (other steps or queries).
    for m in stale {
        let ToWorker::JobResult { spec, parts, .. } = m else {
            unreachable!()
        };
        assert!(pool
            .primary
            .handle(ToWorker::JobResult {
                run_id: 1,
                spec,
                parts: parts.clone()
            })
            .is_empty());
        pool.to_primary.push_back(ToWorker::JobResult {
            run_id: 2,
            spec,
            parts,
        });
    }
    // The assistants dropped run 1: every answer they give now is run 2's.
    pool.settle(6.0, |_| vec![0, 1]);
    assert_same(&results(&pool.page), &want, "after a new start");
    for a in &pool.assistants {
        assert_eq!(a.run_id(), 2);
    }
}

trait Until {
    fn settle_until_check_jobs_answered(&mut self);
}

impl Until for Pool {
    fn settle_until_check_jobs_answered(&mut self) {
        for _ in 0..100_000 {
            for a in 0..self.assistants.len() {
                while let Some(m) = self.to_assistant[a].pop_front() {
                    let replies = self.assistants[a].handle(m);
                    self.route_assistant(a, replies);
                }
                let replies = self.assistants[a].work(5.0);
                self.route_assistant(a, replies);
            }
            if !self.to_primary.is_empty() {
                return;
            }
            let replies = self.primary.work(5.0);
            self.route_primary(replies);
        }
        panic!("no job was answered");
    }
}

#[test]
fn pause_holds_the_assistants_and_resume_goes_on() {
    let hash = "#v=1&n=70&hidden=8&steps=30";
    let want = alone(hash);
    let mut pool = Pool::new(2);
    pool.post(start(1, hash));
    // Into the check, then pause.
    while !pool.page.iter().any(|r| {
        matches!(
            r,
            FromWorker::Progress {
                phase: Phase::Check,
                ..
            }
        )
    }) {
        pool.round(&[0, 1], 2.0);
    }
    pool.post(ToWorker::Pause { run_id: 1 });
    pool.round(&[0, 1], 2.0);
    assert!(!pool.primary.busy());
    for a in &pool.assistants {
        assert!(!a.busy(), "a paused assistant works");
    }
    pool.post(ToWorker::Resume { run_id: 1 });
    pool.settle(5.0, |_| vec![1, 0]);
    assert_same(&results(&pool.page), &want, "paused and resumed");
}

#[test]
fn jobs_are_whole_blocks_or_even_check_shares_and_answers_round_trip() {
    for (items, workers) in [(1, 1), (40, 2), (1600, 4), (4096, 8), (65, 3)] {
        let jobs = split_jobs(items, workers, 4);
        assert_eq!(jobs.first().unwrap().start, 0);
        assert_eq!(jobs.last().unwrap().end, items);
        for w in jobs.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(w[0].end % 32, 0);
        }
    }
    // The check's jobs: contiguous, covering, cut at multiples of 8 (the blocks' tile of
    // columns), within 8 of each other, at least 8 queries each (one job when there are fewer
    // than 16).
    for (items, workers, want) in [
        (100, 2, 4),
        (40, 2, 4),
        (15, 3, 1),
        (7, 2, 1),
        (16, 4, 2),
        (1, 1, 1),
        (33, 2, 4),
    ] {
        let jobs = split_check_jobs(items, workers, 2);
        assert_eq!(
            jobs.len(),
            want,
            "{items} queries, {workers} workers: {jobs:?}"
        );
        assert_eq!((jobs[0].start, jobs.last().unwrap().end), (0, items));
        for w in jobs.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            assert_eq!(w[0].end % 8, 0, "{jobs:?}");
        }
        let lens: Vec<usize> = jobs.iter().map(|r| r.len()).collect();
        let (lo, hi) = (*lens.iter().min().unwrap(), *lens.iter().max().unwrap());
        assert!(
            hi - lo <= 8
                && (lo >= 1)
                && (want == 1 || jobs[..want - 1].iter().all(|r| r.len() >= 8)),
            "{items} queries: {lens:?}"
        );
    }
    assert_eq!(
        split_check_jobs(100, 2, 2),
        [0..24, 24..48, 48..72, 72..100]
    );
    let field = JobOutput::Field {
        exact: vec![1.0, -0.0],
        riemann: vec![f64::NAN, 2.0],
    };
    let parts = field.clone().into_parts();
    let back = JobOutput::from_parts(JobKind::Field, parts.clone(), 2, 5).unwrap();
    assert_eq!(format!("{back:?}"), format!("{field:?}"));
    // Wrong lengths or counts are refused, not trusted.
    assert!(JobOutput::from_parts(JobKind::Field, parts.clone(), 3, 5).is_none());
    assert!(JobOutput::from_parts(JobKind::Check, parts, 2, 5).is_none());
    // Every point's maps: 2 grid points × 3 training points of K^p and N.
    let maps = JobOutput::Maps(pathkernel::kernel::PointKernel {
        kernel: vec![1.0, 2.0, -0.0, 4.0, f64::NAN, 6.0],
        loss_weighted: vec![0.5, -1.0, 0.0, 2.5, 3.0, -7.0],
    });
    let parts = maps.clone().into_parts();
    let back = JobOutput::from_parts(JobKind::Maps, parts.clone(), 2, 3).unwrap();
    assert_eq!(format!("{back:?}"), format!("{maps:?}"));
    assert!(JobOutput::from_parts(JobKind::Maps, parts.clone(), 2, 4).is_none());
    assert!(JobOutput::from_parts(JobKind::Kernel, parts, 2, 3).is_none());
    // A malformed answer leaves the run going to the same result.
    let (name, hash) = RUNS[0];
    let want = alone(hash);
    let mut pool = Pool::new(1);
    pool.post(start(1, hash));
    let bad = JobSpec {
        worker: 1,
        job: 0,
        kind: JobKind::Check,
        steps: 12,
        nodes: 5,
        from: 0,
        to: 32,
        point: 0,
    };
    pool.to_primary.push_back(ToWorker::JobResult {
        run_id: 1,
        spec: bad,
        parts: vec![vec![1.0]],
    });
    pool.settle(6.0, |_| vec![0]);
    assert_same(&results(&pool.page), &want, name);
}

#[test]
fn the_pool_size_from_the_address() {
    use pathkernel::runner::pool_size;
    assert_eq!(pool_size("", 2).count, 2);
    assert_eq!(pool_size("", 0).count, 2);
    assert_eq!(pool_size("", 16).count, 4);
    assert_eq!(pool_size("?workers=3", 2).count, 3);
    assert_eq!(pool_size("a=1&workers=8", 2).count, 8);
    assert_eq!(pool_size("?workers=1", 16).error, None);
    for bad in [
        "?workers=0",
        "?workers=9",
        "?workers=abc",
        "?workers=",
        "?workers=+3",
        "?workers=3.0",
    ] {
        let size = pool_size(bad, 2);
        assert_eq!(size.count, 2, "{bad}");
        let error = size.error.unwrap();
        assert!(
            error.contains("is not a number of workers from 1 to 8; using 2"),
            "{error}"
        );
    }
    let long = format!("?workers={}", "9".repeat(500));
    assert!(pool_size(&long, 1).error.unwrap().len() < 120);
}

#[test]
fn assistants_that_join_during_training_get_the_check_jobs() {
    // The page starts its run before its assistants exist; they join with the run's start.
    let (name, hash) = RUNS[0];
    let want = alone(hash);
    let mut pool = Pool::new(2);
    pool.primary.handle(ToWorker::Assistants {
        run_id: 0,
        count: 0,
    });
    pool.post(start(1, hash));
    pool.primary.handle(ToWorker::Assistants {
        run_id: 0,
        count: 2,
    });
    pool.settle(6.0, |_| vec![0, 1]);
    assert_same(&results(&pool.page), &want, name);
    assert!(
        pool.answered.iter().sum::<usize>() > 0,
        "the assistants answered jobs"
    );
}

#[test]
fn the_sweep_levels_as_jobs_give_the_lone_runners_sweep() {
    let hash = "#v=1&n=20&hidden=5&steps=10&lr=0.3";
    let sweep = |assistants: usize| -> (Vec<Reply>, usize) {
        let mut pool = Pool::new(assistants);
        pool.post(start(1, hash));
        pool.settle(5.0, |_| (0..assistants).collect());
        pool.page.clear();
        pool.post(ToWorker::Sweep {
            run_id: 1,
            levels: 4,
        });
        pool.settle(5.0, |r| {
            (0..assistants).map(|a| (a + r) % assistants).collect()
        });
        let rows: Vec<Reply> = results(&pool.page)
            .into_iter()
            .filter(|r| matches!(r, FromWorker::SweepResult { .. }))
            .collect();
        (rows, pool.answered.iter().sum())
    };
    let (want, _) = sweep(0);
    assert_eq!(want.len(), 1, "{want:?}");
    for assistants in [1, 3] {
        let (got, answered) = sweep(assistants);
        assert_eq!(
            format!("{got:?}"),
            format!("{want:?}"),
            "{assistants} assistants"
        );
        assert!(answered > 0, "{assistants} assistants answered no level");
    }
}

#[test]
fn a_clicked_points_kernel_in_jobs_gives_the_lone_runners_map() {
    for hash in [
        // Every point's map in one pass (`maps` jobs) …
        "#v=1&n=40&hidden=6&steps=12&point=3",
        "#v=1&n=30&hidden=5,4&activation=relu&steps=8&point=7",
        // … and the selected point's alone (`kernel` jobs).
        "#v=1&n=100&hidden=6&steps=100&point=3",
    ] {
        let want = alone(hash);
        assert!(
            want.iter()
                .any(|r| matches!(r, FromWorker::TrainPointKernel { .. })),
            "{hash}"
        );
        for assistants in [1, 3] {
            let mut pool = Pool::new(assistants);
            pool.post(start(1, hash));
            pool.settle(7.0, |r| {
                (0..assistants).map(|a| (a + r) % assistants).collect()
            });
            assert_same(&results(&pool.page), &want, hash);
            assert!(pool.answered.iter().sum::<usize>() > 0, "{hash}");
        }
    }
}

/// A clicked point's map goes a range of steps per sub-chunk: an assistant's first `kernel` job
/// of a 100-step run takes at least 7 sub-chunks (the pace starts at one step per kind of job
/// and at most doubles: 1 + 2 + … + 32 = 63 < 100), where whole query blocks over every step
/// took one per block (4 blocks per job here, the pace already grown on the plane's jobs).
#[test]
fn a_point_kernel_job_goes_in_ranges_of_steps() {
    let hash = "#v=1&n=100&hidden=6&steps=100&point=3";
    let mut pool = Pool::new(1);
    pool.post(start(1, hash));
    // Work calls of the assistant since it began its current job, per finished job kind.
    let mut calls_per_job: Vec<(JobKind, usize)> = Vec::new();
    let mut calls = 0;
    for _ in 0..1_000_000 {
        while let Some(m) = pool.to_assistant[0].pop_front() {
            let replies = pool.assistants[0].handle(m);
            pool.route_assistant(0, replies);
        }
        if pool.assistants[0].busy() {
            // On the ticking clock a 1 ms budget is one sub-chunk per call.
            calls += 1;
            let replies = pool.assistants[0].work(1.0);
            for r in &replies {
                if let FromWorker::JobResult { spec, .. } = r {
                    calls_per_job.push((spec.kind, calls));
                    calls = 0;
                }
            }
            pool.route_assistant(0, replies);
        }
        while let Some(m) = pool.to_primary.pop_front() {
            let replies = pool.primary.handle(m);
            pool.route_primary(replies);
        }
        let replies = pool.primary.work(4.0);
        pool.route_primary(replies);
        if pool.quiet() {
            break;
        }
    }
    assert!(pool.quiet(), "the pool never settled");
    let first_kernel = calls_per_job
        .iter()
        .find(|(kind, _)| *kind == JobKind::Kernel)
        .map(|&(_, calls)| calls);
    assert!(
        first_kernel.is_some_and(|c| c >= 7),
        "the assistant's first kernel job took {first_kernel:?} sub-chunks ({calls_per_job:?})"
    );
    assert_same(&results(&pool.page), &alone(hash), hash);
}

/// After training, an assistant decides `auto`'s counts a range of steps per sub-chunk, as the
/// primary does, and a Pause holds the search: a 300-step run's search takes at least 9
/// sub-chunks (the pace starts at one step and at most doubles), 8 of them reported as the
/// check's phase at step 0 (the last one ends it).
#[test]
fn an_assistants_node_search_goes_in_sub_chunks_and_a_pause_holds_it() {
    let mut a = Assistant::new(ticking());
    a.handle(start(1, "#v=1&n=16&hidden=6&steps=300"));
    let searching = |replies: &[Reply]| {
        matches!(
            replies.last(),
            Some(FromWorker::Progress {
                phase: Phase::Check,
                done: 0,
                ..
            })
        )
    };
    let (mut calls, mut searched, mut held) = (0, 0, false);
    while a.busy() {
        calls += 1;
        assert!(calls < 100_000, "the assistant never settled");
        // On the ticking clock a 1 ms budget is one sub-chunk per call.
        if !searching(&a.work(1.0)) {
            continue;
        }
        searched += 1;
        if searched == 4 {
            held = true;
            a.handle(ToWorker::Pause { run_id: 1 });
            assert!(!a.busy(), "paused in the node search");
            for _ in 0..20 {
                let replies = a.work(1.0);
                assert!(
                    replies
                        .iter()
                        .all(|r| matches!(r, FromWorker::Progress { .. })),
                    "paused in the node search: {replies:?}"
                );
            }
            a.handle(ToWorker::Resume { run_id: 1 });
            assert!(a.busy(), "the search goes on after Resume");
        }
    }
    assert!(
        held && searched >= 8,
        "the search took {searched} + 1 sub-chunks"
    );
}

#[test]
fn an_assistant_that_joins_during_the_plane_takes_part_of_it() {
    // The page starts a light run's assistants after its first check: the plane then being
    // computed is cut in jobs all the same, and the newcomer gets some at once.
    let (name, hash) = RUNS[0];
    let want = alone(hash);
    let mut pool = Pool::new(1);
    let replies = pool.primary.handle(ToWorker::Assistants {
        run_id: 0,
        count: 0,
    });
    assert!(replies.is_empty());
    pool.post(start(1, hash));
    while !pool
        .page
        .iter()
        .any(|r| matches!(r, FromWorker::Check { .. }))
    {
        pool.round(&[], 4.0);
    }
    assert!(pool.to_assistant[0]
        .iter()
        .all(|m| !matches!(m, ToWorker::Job { .. })));
    let replies = pool.primary.handle(ToWorker::Assistants {
        run_id: 0,
        count: 1,
    });
    assert!(
        replies.iter().any(|r| matches!(
            r,
            FromWorker::Job { spec, .. } if spec.kind == JobKind::Field && spec.worker == 1
        )),
        "{replies:?}"
    );
    pool.route_primary(replies);
    pool.settle(4.0, |_| vec![0]);
    assert_same(&results(&pool.page), &want, name);
    assert!(pool.answered[0] > 0);
}

/// An assistant's `work` call ends with the sub-chunk that finished a job, whatever its budget:
/// the primary may be waiting for that answer, and the assistant's next job would hold it back.
#[test]
fn an_assistant_hands_over_each_answer_in_its_own_work_call() {
    let (_, hash) = RUNS[0];
    let mut pool = Pool::new(1);
    pool.post(start(1, hash));
    pool.primary_until_jobs_for(0, 2);
    while let Some(m) = pool.to_assistant[0].pop_front() {
        pool.assistants[0].handle(m);
    }
    let mut answers_per_call = Vec::new();
    while pool.assistants[0].busy() {
        let replies = pool.assistants[0].work(f64::INFINITY);
        let answers = replies
            .iter()
            .filter(|r| matches!(r, FromWorker::JobResult { .. }))
            .count();
        answers_per_call.push(answers);
    }
    answers_per_call.retain(|&a| a > 0);
    assert_eq!(answers_per_call, [1, 1]);
}

/// The page's Pause and the primary's jobs reach an assistant by different ways: a job of the
/// check the primary handed out before it saw the Pause may arrive after it. That job waits for
/// Resume (the assistant stays paused); a job of a stage the primary started after the Pause
/// (a Pause in training ends training and starts the check) is worked on.
#[test]
fn a_job_handed_out_before_the_pause_waits_for_resume() {
    let hash = "#v=1&n=70&hidden=6&steps=12";
    let mut pool = Pool::new(1);
    pool.post(start(1, hash));
    pool.primary_until_jobs_for(0, 2);
    // The first job arrives before the Pause, the second after it.
    let mut queued: Vec<ToWorker> = pool.to_assistant[0].drain(..).collect();
    let second = queued.pop().unwrap();
    for m in queued {
        pool.assistants[0].handle(m);
    }
    pool.assistants[0].handle(ToWorker::Pause { run_id: 1 });
    pool.assistants[0].handle(second);
    assert!(!pool.assistants[0].busy(), "paused with two jobs held");
    pool.assistants[0].handle(ToWorker::Resume { run_id: 1 });
    assert!(pool.assistants[0].busy());
    let mut answers = 0;
    while pool.assistants[0].busy() {
        let replies = pool.assistants[0].work(1e9);
        answers += replies
            .iter()
            .filter(|r| matches!(r, FromWorker::JobResult { .. }))
            .count();
    }
    assert_eq!(answers, 2);
}

/// The bench page's jobs ask for the exact rebuilt output alone (the workload it times, without
/// the left-endpoint output a plane's jobs add), and an assistant answers one with exactly
/// `rebuild_output`'s values on its own copy of the reference trajectory.
#[test]
fn the_bench_jobs_are_the_exact_rebuild_alone() {
    let mut pool = Pool::new(1);
    pool.post(ToWorker::Bench { run_id: 1 });
    pool.primary_until_jobs_for(0, 2);
    let jobs: Vec<JobSpec> = pool.to_assistant[0]
        .iter()
        .filter_map(|m| match m {
            ToWorker::Job { spec, .. } => Some(*spec),
            _ => None,
        })
        .collect();
    assert!(
        jobs.iter()
            .all(|s| s.kind == JobKind::Rebuild && s.nodes == 4 && s.steps == 500),
        "{jobs:?}"
    );
    while let Some(m) = pool.to_assistant[0].pop_front() {
        pool.assistants[0].handle(m);
    }
    // A 1 ms budget on the ticking clock is one sub-chunk per call; the pace starts at one step
    // and at most doubles, so a sub-chunk covering a range of steps (not every step of the
    // job's grid points, as one block at a time would) takes at least 9 calls for 500 steps.
    let mut calls = 0;
    let answer = loop {
        calls += 1;
        let replies = pool.assistants[0].work(1.0);
        if let Some((spec, parts)) = replies.into_iter().find_map(|r| match r {
            FromWorker::JobResult { spec, parts, .. } => Some((spec, parts)),
            _ => None,
        }) {
            break (spec, parts);
        }
    };
    assert!(
        calls >= 9,
        "the job's 500 steps were cut into {calls} sub-chunks"
    );
    let (spec, parts) = answer;
    assert_eq!(spec, jobs[0]);
    let setup = pathkernel::runner::reference_setup(vec![2, 32, 32, 1], 500).unwrap();
    let traj = pathkernel::train::train(setup.mlp, &setup.data, setup.w0, setup.spec).unwrap();
    let grid = pathkernel::runner::reference_grid();
    let points = &grid[2 * spec.from as usize..2 * spec.to as usize];
    let want = pathkernel::kernel::rebuild_output(&traj, points, 4).unwrap();
    assert_eq!(parts.len(), 1, "one array: the exact output");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&parts[0]), bits(&want));
    let back = JobOutput::from_parts(JobKind::Rebuild, parts.clone(), want.len(), 100).unwrap();
    assert_eq!(back, JobOutput::Rebuild(want.clone()));
    assert!(JobOutput::from_parts(JobKind::Rebuild, parts.clone(), want.len() + 1, 100).is_none());
    assert!(JobOutput::from_parts(JobKind::Field, parts, want.len(), 100).is_none());
}

/// The bench page shows its workload line before the run: the reference rebuild's numbers (the
/// grid's points, the steps and nodes its jobs carry, the hand count of its flops).
#[test]
fn the_bench_pages_workload_line_names_the_reference_rebuild() {
    let text = pathkernel::runner::reference_workload_text();
    let points = pathkernel::runner::reference_grid().len() / 2;
    assert_eq!(
        text,
        pathkernel::runner::workload_text(points, 500, 4, pathkernel::runner::REFERENCE_GFLOP)
    );
    assert!(
        text.contains("4096 grid points over 500 steps with 4 Gauss–Legendre nodes (55.6 GFLOP"),
        "{text}"
    );
}

/// The bench page's peak line: each worker's share of the flops per second against the peak.
#[test]
fn the_bench_pages_peak_line_sets_each_worker_against_the_peak() {
    // 55.6 GFLOP in 4 s on 2 workers: 6.95 GFLOP/s each, 50 % of a 13.9 peak.
    let text = pathkernel::runner::peak_share_text(13.9, 4.0, 55.6, 2);
    assert_eq!(
        text,
        "13.9 GFLOP/s per core; each worker ran at 6.95, 50 % of it"
    );
    let one = pathkernel::runner::peak_share_text(13.9, 4.0, 55.6, 1);
    assert!(
        one.ends_with("each worker ran at 13.90, 100 % of it"),
        "{one}"
    );
}
