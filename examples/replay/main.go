// Command replay plays a shop fixture through rosync: the platform's fake
// server and the RO App emulator on loopback, the real adapter, the real RO
// App client and the SQLite store (the embedded default). It prints a
// summary and, with -out, writes the emulator's snapshot.
//
//	go run ./examples/replay -shop testdata/replay/woocommerce-demo.json [-out snapshot.json]
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
	opts := &replay.Options{Memory: *mem, Warnf: func(format string, a ...any) {
		fmt.Fprintf(stderr, "warning: "+format+"\n", a...)
	}}
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
