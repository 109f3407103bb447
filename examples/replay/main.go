// Command replay plays a shop fixture through rosync: the platform's fake
// server and the RO App emulator on loopback, the real adapter, the real RO
// App client and the SQLite store (the embedded default). It prints a
// summary and, with -out, writes the emulator's snapshot.
//
//	go run ./examples/replay -shop testdata/replay/woocommerce-demo.json [-out snapshot.json]
//
// With -faults RATE (and -seed N) a seeded share of the fake servers'
// answers fail (5xx, 429, timeouts, dropped connections, creates executed
// then failed, and creates executed late: no answer or 504, then executed
// up to -late-max later on the replay's clock, which the engine's
// quarantine waits out); with -dup N every webhook arrives N times. The
// snapshot must still equal the fault-free one except api_calls and the
// sequence of RO App ids.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/replay"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shop := fs.String("shop", "", "the shop fixture (JSON, see DESIGN.md)")
	out := fs.String("out", "", "write the snapshot to this file ('-' for standard output)")
	mem := fs.Bool("memory", false, "use the in-memory store instead of SQLite")
	verbose := fs.Bool("v", false, "log the engine's steps to standard error")
	faults := fs.Float64("faults", 0, "fail this share (0..1) of the fake servers' answers, by a seeded plan")
	seed := fs.Int64("seed", 1, "seed of the fault plan and of the duplicated deliveries")
	lateMax := fs.Duration("late-max", faultplan.DefaultLateMax, "with -faults, the longest delay of a create executed late (the replay's clock)")
	dup := fs.Int("dup", 1, "deliver every webhook this many times, concurrently and out of order")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shop == "" {
		fs.Usage()
		return fmt.Errorf("-shop is required")
	}
	f, err := os.Open(*shop)
	if err != nil {
		return err
	}
	fx, err := replay.Load(f)
	f.Close()
	if err != nil {
		return err
	}
	if *faults < 0 || *faults > 1 {
		return fmt.Errorf("-faults must be between 0 and 1")
	}
	opts := &replay.Options{Memory: *mem, Dup: *dup, Seed: *seed, Warnf: func(format string, a ...any) {
		fmt.Fprintf(stderr, "warning: "+format+"\n", a...)
	}}
	if *faults > 0 {
		opts.Faults = &faultplan.Plan{Rate: *faults, Seed: *seed, LateMax: *lateMax}
	}
	if *verbose {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	res, err := replay.Run(ctx, fx, opts)
	if err != nil {
		return err
	}
	summary := stdout
	if *out == "-" {
		summary = stderr
	}
	res.Summary.Print(summary, filepath.Base(*shop))
	if *out == "" {
		return nil
	}
	data, err := json.MarshalIndent(res.Snapshot, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if *out == "-" {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}
