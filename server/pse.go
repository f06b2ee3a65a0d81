package server

import (
	"runtime"
	"sync"
	"time"
)

// cpuMinInterval is the shortest window over which CPU use is measured;
// scrapes closer together than this see the previous figure.
const cpuMinInterval = time.Second

// cpuSampler turns the process's cumulative CPU time into a percentage of
// one core over the time since the previous sample, as /varz cpu shows.
type cpuSampler struct {
	mu       sync.Mutex
	lastAt   time.Time
	lastCPU  float64
	percent  float64
	baseline bool
}

// sample returns the resident memory and the CPU percentage. On Linux both
// come from /proc; elsewhere memory is the Go runtime's and CPU is 0.
func (p *cpuSampler) sample(start time.Time) (mem int64, cpu float64) {
	rss, cpuSecs, ok := readProcUsage()
	if !ok {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.Sys), 0
	}
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.baseline {
		// First sample: average since the server started.
		p.baseline = true
		if el := now.Sub(start).Seconds(); el > 0 {
			p.percent = round2(100 * cpuSecs / el)
		}
		p.lastAt, p.lastCPU = now, cpuSecs
		return rss, p.percent
	}
	if el := now.Sub(p.lastAt); el >= cpuMinInterval {
		p.percent = round2(100 * (cpuSecs - p.lastCPU) / el.Seconds())
		p.lastAt, p.lastCPU = now, cpuSecs
	}
	return rss, p.percent
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
