package fakekit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// shopFault is what a test queues on the example's fake shop: a status.
type shopFault struct{ Status int }

// shopRequest is what the example's fake shop records of a request.
type shopRequest struct{ Query url.Values }

// fakeShop is the fake of a platform that lists orders by page and
// per_page, with the total in X-Total-Count: everything but its paging
// rules and its error body comes from fakekit.
type fakeShop struct {
	orders []string
	rec    fakekit.Recorder[shopRequest]
	faults fakekit.Faults[shopFault]
}

var shopPaging = fakekit.PageQuery{PageParam: "page", SizeParam: "per_page", DefaultSize: 2, MaxSize: 3,
	TotalHeader: "X-Total-Count"}

func (s *fakeShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const endpoint = "GET /orders"
	s.rec.Record(endpoint, shopRequest{Query: r.URL.Query()})
	if f, ok := s.faults.Next(endpoint); ok {
		http.Error(w, `{"error":"injected"}`, f.Status)
		return
	}
	s.faults.Serve(w, r, endpoint, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := shopPaging.Parse(r.URL.Query())
		if pe := (*fakekit.ParamError)(nil); errors.As(err, &pe) {
			http.Error(w, fmt.Sprintf(`{"error":%q}`, pe.Error()), http.StatusBadRequest)
			return
		}
		shopPaging.SetHeaders(w.Header(), len(s.orders), page.Size)
		lo, hi := page.Bounds(len(s.orders))
		_ = json.NewEncoder(w).Encode(s.orders[lo:hi])
	}))
}

// Example builds a fake shop on fakekit and lists its orders as an
// adapter under test would, through a queued fault and the paging rules.
func Example() {
	shop := &fakeShop{orders: []string{"#1", "#2", "#3", "#4", "#5"}}
	shop.faults.SetPlan(&faultplan.Plan{Rate: 0}) // a replay sets a real one
	shop.faults.Queue("GET /orders", shopFault{Status: http.StatusServiceUnavailable}, 1)
	srv := httptest.NewServer(shop)
	defer srv.Close()

	for _, query := range []string{"page=1", "page=1", "page=3", "per_page=4"} {
		resp, err := http.Get(srv.URL + "/orders?" + query)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%s: %d total=%q %s", query, resp.StatusCode, resp.Header.Get("X-Total-Count"), body)
	}
	fmt.Println("calls:", shop.rec.Calls())
	// Output:
	// page=1: 503 total="" {"error":"injected"}
	// page=1: 200 total="5" ["#1","#2"]
	// page=3: 200 total="5" ["#5"]
	// per_page=4: 400 total="" {"error":"per_page must be between 1 (inclusive) and 3 (inclusive)"}
	// calls: map[GET /orders:4]
}
