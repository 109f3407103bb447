// Command rosync holds rosync's tools for an RO App account. Its one
// subcommand today is doctor:
//
//	go run ./cmd/rosync doctor -config rosync.yaml [-write] [-json] [-shops=false]
//
// doctor checks the account the configuration file names (the service's
// file, examples/server/rosync.example.yaml, read by service.LoadConfig:
// strictly, with the environment's secrets, validated) before the first
// import and prints one row per check (see package roapp/doctor): the API
// key, the currencies of RO App and of each shop, the branch, the order
// type and its initial status, the assignee, the status names, the custom
// field of the external reference, the right "Can add products without
// deduction" and every UNVERIFIED call and filter of the RO App client. It reads only,
// unless -write: then it creates one test order with one item and one
// comment, reads them back, closes the order and says what it left. The
// exit status is 1 when a row is a FAIL, 2 on a usage or configuration
// error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/rosync/rosync/roapp/doctor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

const usage = `usage: rosync doctor [-config rosync.yaml] [-write] [-json] [-shops=false] [-timeout 5m]`

// run is the command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] != "doctor" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("rosync doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "rosync.yaml", "the service's configuration file")
	write := fs.Bool("write", false, "create, read back and close one test order (with one item and one comment)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	shops := fs.Bool("shops", true, "read each shop's currency from the shop")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	fc, err := loadConfig(*path, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "rosync doctor:", err)
		return 2
	}
	cfg, err := doctorConfig(fc, *shops)
	if err != nil {
		fmt.Fprintln(stderr, "rosync doctor:", err)
		return 2
	}
	cfg.Write = *write
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := doctor.Run(ctx, cfg)
	if *asJSON {
		_ = rep.WriteJSON(stdout)
	} else {
		_ = rep.WriteTable(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "rosync doctor: stopped:", err)
		return 1
	}
	if rep.Failed() {
		return 1
	}
	return 0
}
