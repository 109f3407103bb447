// Command devservers serves the RO App emulator (roapp/roapptest) and a
// fake WooCommerce shop (platforms/woocommerce/woocommercetest) on
// loopback, for running examples/embed, or your own embedding, without
// accounts: it prints the environment that points the program at them.
// The shop holds one order of the last hour; -orders adds more.
//
//	go run ./examples/embed/devservers &                     # serves both, prints the export line
//	eval "$(go run ./examples/embed/devservers -print-env)"  # the same line, for this shell
//	go run ./examples/embed
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp/roapptest"
)

// The credentials both sides are served with.
const (
	roKey     = "dev-ro-key"
	roHook    = "dev-ro-webhook-secret"
	wcKey     = "ck_dev"
	wcSecret  = "cs_dev"
	wcHookKey = "dev-wc-webhook-secret"
)

// Seed is the emulator's account: what examples/embed's settings name
// (location 1, order type 1, employee 1, a "Closed" status for its status
// map), the currency of the shop (ORD-4) and the right of ORD-2.
func Seed() roapptest.Seed {
	return roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New", Group: roapptest.GroupNew}, {ID: 2, Name: "Closed", Group: roapptest.GroupClosedSuccessfully}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
		Locations:  []roapptest.Location{{ID: 1, Name: "Main"}},
		Employees:  []roapptest.Employee{{ID: 1, FirstName: "Dev", LastName: "Manager"}},
	}
}

// order is a WooCommerce order created at, with one line.
func order(id int, at time.Time) []byte {
	ts := at.UTC().Format("2006-01-02T15:04:05")
	return fmt.Appendf(nil, `{"id": %d, "number": "%d", "status": "processing", "currency": "UAH",
		"date_created_gmt": %q, "date_modified_gmt": %q, "total": "199.00",
		"billing": {"first_name": "Olena", "last_name": "Kovalenko", "phone": "050 111 22 33", "email": "olena@example.com", "country": "UA"},
		"line_items": [{"id": 1, "name": "USB-C cable", "product_id": 12, "variation_id": 0, "sku": "CBL-USBC", "quantity": 1, "price": 199, "total": "199.00"}]}`,
		id, id, ts, ts)
}

// start serves both fakes on the two addresses and returns the
// environment that points examples/embed at them.
func start(roAddr, shopAddr string, orders int) (env map[string]string, stop func(), err error) {
	shop := woocommercetest.New(woocommercetest.Options{Key: wcKey, Secret: wcSecret, Currency: "UAH"})
	for i := range orders {
		if err := shop.AddOrder(order(1001+i, time.Now().Add(-time.Hour+time.Duration(i)*time.Second))); err != nil {
			return nil, nil, err
		}
	}
	emu := roapptest.New(Seed(), &roapptest.Options{APIKey: roKey, WebhookSecret: roHook})
	roLn, err := net.Listen("tcp", roAddr)
	if err != nil {
		return nil, nil, err
	}
	shopLn, err := net.Listen("tcp", shopAddr)
	if err != nil {
		roLn.Close()
		return nil, nil, err
	}
	roSrv := &http.Server{Handler: emu, ReadHeaderTimeout: 5 * time.Second}
	shopSrv := &http.Server{Handler: shop, ReadHeaderTimeout: 5 * time.Second}
	go roSrv.Serve(roLn)
	go shopSrv.Serve(shopLn)
	return envFor(roLn.Addr().String(), shopLn.Addr().String()), func() { roSrv.Close(); shopSrv.Close() }, nil
}

// envFor is the environment of examples/embed for the two addresses.
func envFor(roAddr, shopAddr string) map[string]string {
	return map[string]string{
		"ROAPP_BASE_URL": "http://" + roAddr + "/v2", "ROAPP_API_KEY": roKey, "ROAPP_WEBHOOK_SECRET": roHook,
		"WC_URL": "http://" + shopAddr, "WC_KEY": wcKey, "WC_SECRET": wcSecret, "WC_WEBHOOK_SECRET": wcHookKey,
	}
}

func main() {
	roAddr := flag.String("roapp", "127.0.0.1:9100", "address of the RO App emulator")
	shopAddr := flag.String("shop", "127.0.0.1:9200", "address of the fake WooCommerce shop")
	orders := flag.Int("orders", 1, "orders the shop holds at start")
	printEnv := flag.Bool("print-env", false, "print the export line only, for eval, with the servers' addresses (no servers)")
	flag.Parse()
	if *printEnv {
		fmt.Println("export " + exports(envFor(*roAddr, *shopAddr)))
		return
	}
	env, stop, err := start(*roAddr, *shopAddr, *orders)
	if err != nil {
		fmt.Fprintln(os.Stderr, "devservers:", err)
		os.Exit(1)
	}
	defer stop()
	fmt.Println("export " + exports(env))
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()
}

// exports renders env as NAME=value pairs, sorted.
func exports(env map[string]string) string {
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return strings.Join(kv, " ")
}
