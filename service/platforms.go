package service

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/woocommerce"
)

// PlatformBuilder is how the service checks and builds the shops of one
// platform. Adding a platform to the service is one RegisterPlatform call,
// from any package (typically the init function of a program's own main,
// see the package example); the three built-in ones below are registered
// the same way. The replay's sandbox finds its platforms through
// replay.Register.
type PlatformBuilder struct {
	// DomainURL allows a shop URL that is a bare domain
	// (my-shop.myshopify.com); otherwise it must be an absolute http(s)
	// URL.
	DomainURL bool
	// Check reports what a shop's configuration lacks for this platform:
	// need(key, value, envKey) for a required value that the environment
	// may also set, bad(key, format, args...) for anything else.
	Check func(s ShopConfig, need func(key, val, envKey string), bad func(key, format string, args ...any))
	// New builds the shop's adapter, sending its requests with hc (whose
	// transport counts them) and logging to log.
	New func(s ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error)
}

var platformBuilders = map[string]PlatformBuilder{}

// RegisterPlatform makes the platform name usable in a shop's "platform"
// key. It panics when name is taken or b lacks Check or New. Call it
// before LoadConfig (from an init function or the start of main): the
// registry is not guarded for concurrent use.
func RegisterPlatform(name string, b PlatformBuilder) {
	if _, dup := platformBuilders[name]; dup || name == "" || b.Check == nil || b.New == nil {
		panic(fmt.Sprintf("service: bad or duplicate RegisterPlatform(%q)", name))
	}
	platformBuilders[name] = b
}

// Platforms returns the registered platform names, sorted.
func Platforms() []string {
	names := make([]string, 0, len(platformBuilders))
	for n := range platformBuilders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// BuildPlatform builds the adapter of a shop through its platform's
// registered PlatformBuilder.New, sending its requests with hc (nil: an
// http.Client with a 60 s timeout) and logging to log (nil discards). It
// does not check the shop's configuration: LoadConfig and Config.Validate
// do.
func BuildPlatform(s ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error) {
	pb, ok := platformBuilders[s.Platform]
	if !ok {
		return nil, fmt.Errorf("unknown platform %q (known: %s)", s.Platform, platformList())
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return pb.New(s, hc, log)
}

// platformList is the registered names, sorted, for messages: "a, b or c".
func platformList() string {
	names := Platforms()
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// notPaged refuses paged_import on a platform other than Shopify.
func notPaged(s ShopConfig, bad func(key, format string, args ...any)) {
	if s.PagedImport {
		bad("paged_import", "only for Shopify")
	}
}

func init() {
	RegisterPlatform("woocommerce", PlatformBuilder{
		Check: func(s ShopConfig, need func(key, val, envKey string), bad func(key, format string, args ...any)) {
			need("key", s.Key, "KEY")
			need("secret", s.Secret, "SECRET")
			need("webhook_secret", s.WebhookSecret, "WEBHOOK_SECRET")
			notPaged(s, bad)
		},
		New: func(s ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error) {
			return woocommerce.New(s.URL, woocommerce.Credentials{Key: s.Key, Secret: s.Secret},
				&woocommerce.Options{HTTPClient: hc, WebhookSecret: s.WebhookSecret, Logger: log})
		},
	})
	RegisterPlatform("shopify", PlatformBuilder{
		DomainURL: true,
		Check: func(s ShopConfig, need func(key, val, envKey string), bad func(key, format string, args ...any)) {
			need("token", s.Token, "TOKEN")
			need("webhook_secret", s.WebhookSecret, "WEBHOOK_SECRET")
		},
		New: func(s ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error) {
			return shopify.New(s.URL, shopify.Credentials{AccessToken: s.Token},
				&shopify.Options{HTTPClient: hc, WebhookSecret: s.WebhookSecret, Logger: log, PagedImport: s.PagedImport})
		},
	})
	RegisterPlatform("cartum", PlatformBuilder{
		Check: func(s ShopConfig, need func(key, val, envKey string), bad func(key, format string, args ...any)) {
			notPaged(s, bad)
			need("login", s.Login, "LOGIN")
			need("password", s.Password, "PASSWORD")
			if s.Currency == "" {
				bad("currency", "missing: Cartum's API does not report the shop currency")
			}
			need("webhook_secret", s.WebhookSecret, "WEBHOOK_SECRET")
		},
		New: func(s ShopConfig, hc *http.Client, log *slog.Logger) (rosync.Platform, error) {
			return cartum.New(s.URL, cartum.Credentials{Login: s.Login, Password: s.Password},
				&cartum.Options{HTTPClient: hc, WebhookSecret: s.WebhookSecret, Logger: log,
					Currency: s.Currency, Timezone: s.Timezone})
		},
	})
}
