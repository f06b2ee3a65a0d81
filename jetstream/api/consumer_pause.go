package api

import "time"

// ConsumerPauseRequest is CONSUMER.PAUSE's body: pause until the time
// (an empty body or a past time resumes the consumer).
type ConsumerPauseRequest struct {
	PauseUntil *time.Time `json:"pause_until,omitempty"`
}

// ConsumerPauseResponse answers CONSUMER.PAUSE. nats-server sends paused
// and pause_until (the zero time when not paused) even with an error.
type ConsumerPauseResponse struct {
	Response
	Paused         bool          `json:"paused"`
	PauseUntil     time.Time     `json:"pause_until"`
	PauseRemaining time.Duration `json:"pause_remaining,omitempty"`
}
