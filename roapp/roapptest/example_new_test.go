package roapptest_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// ExampleNew seeds an emulated RO App account, serves it over HTTP and
// points the real client at it; the emulator counts every request.
func ExampleNew() {
	emu := roapptest.New(roapptest.Seed{
		Currency: "EUR",
		Statuses: []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "Closed"}},
	}, &roapptest.Options{APIKey: "key"})
	srv := httptest.NewServer(emu)
	defer srv.Close()

	client := roapp.New("key", &roapp.Options{BaseURL: srv.URL, HTTPClient: srv.Client()})
	ctx := context.Background()
	co, err := client.Company(ctx)
	if err != nil {
		log.Fatal(err)
	}
	statuses, err := client.Statuses(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("currency:", co.Currency)
	for _, s := range statuses {
		fmt.Println("status:", s.ID, s.Name)
	}
	fmt.Println("requests:", emu.Calls().Total)

	_, err = roapp.New("wrong-key", &roapp.Options{BaseURL: srv.URL, HTTPClient: srv.Client()}).Company(ctx)
	fmt.Println("wrong key refused:", err != nil)
	// Output:
	// currency: EUR
	// status: 1 New
	// status: 2 Closed
	// requests: 2
	// wrong key refused: true
}
