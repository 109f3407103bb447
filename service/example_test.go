package service_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/service"
)

// errNotHere stands for the adapter of a platform of one's own: its
// constructor (in a package of one's own) would return a rosync.Platform.
var errNotHere = errors.New("the example builds no adapter")

// A program of one's own registers its platform with the service before it
// loads the configuration (here in an init function of its main package);
// a shop of the file can then name it.
func init() {
	service.RegisterPlatform("myshop", service.PlatformBuilder{
		Check: func(s service.ShopConfig, need func(key, val, envKey string), bad func(key, format string, args ...any)) {
			need("token", s.Token, "TOKEN") // or ROSYNC_SHOP_<NAME>_TOKEN
			need("webhook_secret", s.WebhookSecret, "WEBHOOK_SECRET")
			if s.Currency == "" {
				bad("currency", "missing: myshop does not report its currency")
			}
		},
		New: func(s service.ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error) {
			return nil, errNotHere // myshop.New(s.URL, s.Token, hc, log) in a real program
		},
	})
}

// The registered platform is checked and built like the built-in ones.
func ExampleRegisterPlatform() {
	doc := `roapp: {api_key: k, branch_id: 1, order_type_id: 1, assignee_id: 7}
shops:
  - {name: outlet, platform: myshop, url: "https://outlet.example", currency: EUR, token: t, webhook_secret: w}
`
	cfg, err := service.LoadConfig(strings.NewReader(doc), func(string) string { return "" })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.Shops[0].Name, cfg.Shops[0].Platform, cfg.Shops[0].Settings(cfg.ROApp).AssigneeID)
	fmt.Println(service.Platforms())

	// NewService builds every shop's adapter through the registry, as here.
	_, err = service.BuildPlatform(cfg.Shops[0], nil, nil)
	fmt.Println(err)

	// A shop that lacks what myshop's Check needs is refused, key by key.
	_, err = service.LoadConfig(strings.NewReader(strings.ReplaceAll(doc, "token: t, ", "")), func(string) string { return "" })
	fmt.Println(err)
	// Output:
	// outlet myshop 7
	// [cartum myshop shopify woocommerce]
	// the example builds no adapter
	// config: shops.outlet.token: missing (set it or ROSYNC_SHOP_OUTLET_TOKEN)
}
