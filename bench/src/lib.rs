//! gohost's benchmarks. The binaries are baselines: the same work done with
//! the raw engine, so that gohost's figures can be given as ratios measured
//! in the same run.
