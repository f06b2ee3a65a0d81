//go:build race

package outq

const raceEnabled = true
