package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/doctor"
	"github.com/rosync/rosync/service"
)

// doctorConfig turns the service's configuration (service.LoadConfigFile:
// the same strict decoding, environment secrets and validation as the
// service's) into the doctor's; with contactShops false the shops'
// adapters are not built and their currencies are not read. The adapters
// come from the service's platform registry (service.BuildPlatform), so a
// platform registered there is checked too.
func doctorConfig(c *service.Config, contactShops bool) (doctor.Config, error) {
	r := c.ROApp
	cfg := doctor.Config{
		APIKey:      r.APIKey,
		Client:      r.ClientOptions(),
		AssigneeID:  r.AssigneeID,
		Deduction:   rosync.DeductionSignal{Statuses: r.DeductionStatuses, IgnoreClosedGroups: r.IgnoreClosedGroups},
		BranchID:    r.BranchID,
		OrderTypeID: r.OrderTypeID,
	}
	for _, s := range c.Shops {
		sh := doctor.Shop{Name: s.Name, Settings: s.Settings(r)}
		if contactShops {
			p, err := service.BuildPlatform(s, &http.Client{Timeout: 60 * time.Second}, nil)
			if err != nil {
				return doctor.Config{}, fmt.Errorf("shop %s: %w", s.Name, err)
			}
			sh.Info = p
		}
		cfg.Shops = append(cfg.Shops, sh)
	}
	return cfg, nil
}

// loadConfig reads the service's configuration file as the service does
// (service.LoadConfig), with getenv for its secrets.
func loadConfig(path string, getenv func(string) string) (*service.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return service.LoadConfig(f, getenv)
}
