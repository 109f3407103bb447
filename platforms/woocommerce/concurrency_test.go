package woocommerce

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/rosync/rosync"
)

// The adapter is used from many goroutines (webhooks and polls at once):
// run under -race.
func TestPlatform_Concurrent(t *testing.T) {
	s := newShop(t, nil)
	addProduct30(t, s)
	for id := 1; id <= 20; id++ {
		s.addOrder(t, testOrder(id))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 8 {
		wg.Go(func() {
			for id := 1; id <= 20; id++ {
				o, err := s.p.Order(context.Background(), strconv.Itoa(id))
				if err != nil {
					errs <- err
					return
				}
				if len(o.Lines[0].Product.Category) != 2 {
					errs <- fmt.Errorf("category missing on order %s", o.ID)
				}
			}
			if g%2 == 0 {
				for _, err := range s.p.Orders(context.Background(), rosync.Query{}) {
					if err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
