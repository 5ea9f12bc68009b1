package metrics

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Count is a gauge computed at scrape time by one query that counts rows by
// one label (customers by status, jobs by state): nothing is kept between
// scrapes, so every replica reports what the database says now.
type Count struct {
	Name string // the metric's name after "partnerhub_"
	Help string
	// Label is the one label; Values are the label values always reported
	// (0 when the query found none), so a series does not vanish when its
	// count drops to zero. Values the query returns beyond them are
	// reported too.
	Label  string
	Values []string
	// Query counts; it gets a context that ends after Timeout.
	Query   func(ctx context.Context) (map[string]int, error)
	Timeout time.Duration
}

// RegisterCount adds a scrape-time count. A query that fails or times out
// is logged, its gauge is left out of that scrape, and
// partnerhub_scrape_collector_success{collector=Name} says 0 (else 1).
func (m *Metrics) RegisterCount(c Count) {
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	m.Registry.MustRegister(&countCollector{
		Count: c,
		m:     m,
		desc:  prometheus.NewDesc(namespace+"_"+c.Name, c.Help, []string{c.Label}, nil),
		success: prometheus.NewDesc(namespace+"_scrape_collector_success",
			"Whether a collector that queries the database at scrape time succeeded (1) or failed or timed out (0), by collector.",
			nil, prometheus.Labels{"collector": c.Name}),
	})
}

type countCollector struct {
	Count
	m             *Metrics
	desc, success *prometheus.Desc
}

func (c *countCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	ch <- c.success
}

func (c *countCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	started := time.Now()
	counts, err := c.Query(ctx)
	if err != nil {
		c.m.log.Warn("metrics: a scrape-time query failed", "collector", c.Name, "took", time.Since(started), "err", err)
		ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.success, prometheus.GaugeValue, 1)
	for _, v := range c.Values {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[v]), v)
	}
	for v, n := range counts {
		if !slices.Contains(c.Values, v) {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), v)
		}
	}
}

// RegisterDB reports a database/sql pool's connections and waits
// (go_sql_open_connections, go_sql_wait_duration_seconds_total, …) with
// db_name=name: the pool running dry shows there before requests slow down.
func (m *Metrics) RegisterDB(name string, db *sql.DB) {
	m.Registry.MustRegister(collectors.NewDBStatsCollector(db, name))
}
