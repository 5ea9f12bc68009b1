package app

import (
	"context"
	"net/http"

	"partnerhub/internal/customer"
	"partnerhub/internal/deploy"
	"partnerhub/internal/metrics"
	"partnerhub/internal/store"
)

// wireMetrics makes the process's registry and connects it to the hooks of
// the parts that are already open: the database pools, the scrape-time
// counts, the partner-system client, the deployment worker and the hub's
// sign-ins. The listeners are instrumented where they are served.
func (a *App) wireMetrics(worker *deploy.Worker) {
	m := a.Metrics
	if a.Store.Engine == store.Postgres {
		m.RegisterDB("hub", a.Store.Write) // one pool for reads and writes
	} else {
		m.RegisterDB("hub_write", a.Store.Write)
		m.RegisterDB("hub_read", a.Store.Read)
	}
	statuses := make([]string, len(customer.Shown))
	for i, s := range customer.Shown {
		statuses[i] = string(s)
	}
	m.RegisterCount(metrics.Count{
		Name:  "customers",
		Help:  "Customers by status across all partners (deleted ones left out), counted in the database at scrape time: every replica reports the same numbers.",
		Label: "status", Values: statuses,
		Query: func(ctx context.Context) (map[string]int, error) {
			counts, err := a.Store.CountByStatus(ctx)
			out := make(map[string]int, len(counts))
			for s, n := range counts {
				out[string(s)] = n
			}
			return out, err
		},
	})
	m.RegisterCount(metrics.Count{
		Name:  "jobs",
		Help:  "Jobs in the job queue (River) by state, completed ones left out, counted in the database at scrape time: every replica reports the same numbers.",
		Label: "state", Values: deploy.JobStates,
		Query: func(ctx context.Context) (map[string]int, error) { return deploy.JobCounts(ctx, a.Store) },
	})
	a.psClient.Observe = m.PartnerSystemCall
	worker.OnStep = m.Step
	worker.OnOperation = m.Operation
	a.Hub.OnSignIn = m.SignIn
}

// metricsHandler is the metrics listener's: /metrics for Prometheus and
// the same probes as the hub's listener, for a monitoring network that
// does not reach the hub.
func (a *App) metricsHandler() http.Handler {
	mux := http.NewServeMux()
	a.probes(mux)
	mux.Handle("GET /metrics", a.Metrics.Handler())
	return mux
}
