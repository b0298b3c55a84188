// Package bench holds Switchboard's large-scale benchmarks: inbox views
// with filters over 100k and 1M tickets on SQLite and PostgreSQL, loaded
// with the store's bulk loader. They run only when asked:
//
//	SWITCHBOARD_BENCH_LARGE=1 go test ./internal/bench -run '^$' -bench Inbox -benchtime 200x -timeout 60m
//
// Datasets are kept between runs (a SQLite file under the system temp
// directory, a PostgreSQL schema sbbench_N in the test database) and
// reused when complete; SWITCHBOARD_BENCH_FRESH=1 rebuilds them.
// SWITCHBOARD_BENCH_SIZES (default "100000,1000000") picks the sizes.
package bench
