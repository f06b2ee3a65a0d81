package api

// Response types: the "type" of every API response.
const (
	TypePrefix = "io.nats.jetstream.api.v1."

	AccountInfoResponseType            = TypePrefix + "account_info_response"
	StreamCreateResponseType           = TypePrefix + "stream_create_response"
	StreamUpdateResponseType           = TypePrefix + "stream_update_response"
	StreamInfoResponseType             = TypePrefix + "stream_info_response"
	StreamNamesResponseType            = TypePrefix + "stream_names_response"
	StreamListResponseType             = TypePrefix + "stream_list_response"
	StreamDeleteResponseType           = TypePrefix + "stream_delete_response"
	StreamPurgeResponseType            = TypePrefix + "stream_purge_response"
	StreamMsgGetResponseType           = TypePrefix + "stream_msg_get_response"
	StreamMsgDeleteResponseType        = TypePrefix + "stream_msg_delete_response"
	StreamSnapshotResponseType         = TypePrefix + "stream_snapshot_response"
	StreamRestoreResponseType          = TypePrefix + "stream_restore_response"
	StreamRemovePeerResponseType       = TypePrefix + "stream_remove_peer_response"
	StreamLeaderStepdownResponseType   = TypePrefix + "stream_leader_stepdown_response"
	ConsumerCreateResponseType         = TypePrefix + "consumer_create_response"
	ConsumerInfoResponseType           = TypePrefix + "consumer_info_response"
	ConsumerNamesResponseType          = TypePrefix + "consumer_names_response"
	ConsumerListResponseType           = TypePrefix + "consumer_list_response"
	ConsumerDeleteResponseType         = TypePrefix + "consumer_delete_response"
	ConsumerPauseResponseType          = TypePrefix + "consumer_pause_response"
	ConsumerUnpinResponseType          = TypePrefix + "consumer_unpin_response"
	ConsumerLeaderStepdownResponseType = TypePrefix + "consumer_leader_stepdown_response"
	MetaLeaderStepdownResponseType     = TypePrefix + "meta_leader_stepdown_response"
	AccountPurgeResponseType           = TypePrefix + "account_purge_response"
	ServerRemoveResponseType           = TypePrefix + "meta_server_remove_response"
)

// Response is the envelope every API response starts with.
type Response struct {
	Type  string `json:"type"`
	Error *Error `json:"error,omitempty"`
}

// Paged is the paging of list and names responses (and of STREAM.INFO's
// subjects).
type Paged struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// PagedRequest is the paging of a list or names request.
type PagedRequest struct {
	Offset int `json:"offset"`
}

// AccountInfoResponse answers $JS.API.INFO.
type AccountInfoResponse struct {
	Response
	*AccountInfo
}

// StreamCreateResponse answers STREAM.CREATE and STREAM.UPDATE.
type StreamCreateResponse struct {
	Response
	*StreamInfo
	DidCreate bool `json:"did_create,omitempty"`
}

// StreamInfoRequest is STREAM.INFO's optional body.
type StreamInfoRequest struct {
	PagedRequest
	DeletedDetails bool   `json:"deleted_details,omitempty"`
	SubjectsFilter string `json:"subjects_filter,omitempty"`
}

// StreamInfoResponse answers STREAM.INFO.
type StreamInfoResponse struct {
	Response
	Paged
	*StreamInfo
}

// StreamNamesRequest is STREAM.NAMES's body.
type StreamNamesRequest struct {
	PagedRequest
	Subject string `json:"subject,omitempty"`
}

// StreamNamesResponse answers STREAM.NAMES.
type StreamNamesResponse struct {
	Response
	Paged
	Streams []string `json:"streams"`
}

// StreamListResponse answers STREAM.LIST.
type StreamListResponse struct {
	Response
	Paged
	Streams []*StreamInfo `json:"streams"`
	Missing []string      `json:"missing,omitempty"`
}

// SuccessResponse answers STREAM.DELETE, STREAM.MSG.DELETE and
// CONSUMER.DELETE.
type SuccessResponse struct {
	Response
	Success bool `json:"success,omitempty"`
}

// StreamPurgeRequest is STREAM.PURGE's optional body.
type StreamPurgeRequest struct {
	Subject  string `json:"filter,omitempty"`
	Sequence uint64 `json:"seq,omitempty"`
	Keep     uint64 `json:"keep,omitempty"`
}

// StreamPurgeResponse answers STREAM.PURGE.
type StreamPurgeResponse struct {
	Response
	Success bool   `json:"success,omitempty"`
	Purged  uint64 `json:"purged"`
}

// MsgGetRequest is STREAM.MSG.GET's body.
type MsgGetRequest struct {
	Seq     uint64 `json:"seq,omitempty"`
	LastFor string `json:"last_by_subj,omitempty"`
	NextFor string `json:"next_by_subj,omitempty"`
}

// MsgGetResponse answers STREAM.MSG.GET.
type MsgGetResponse struct {
	Response
	Message *StoredMsg `json:"message,omitempty"`
}

// MsgDeleteRequest is STREAM.MSG.DELETE's body.
type MsgDeleteRequest struct {
	Seq     uint64 `json:"seq"`
	NoErase bool   `json:"no_erase,omitempty"`
}

// ConsumerInfoResponse answers CONSUMER.CREATE and CONSUMER.INFO.
type ConsumerInfoResponse struct {
	Response
	*ConsumerInfo
}

// ConsumerNamesResponse answers CONSUMER.NAMES.
type ConsumerNamesResponse struct {
	Response
	Paged
	Consumers []string `json:"consumers"`
}

// ConsumerListResponse answers CONSUMER.LIST.
type ConsumerListResponse struct {
	Response
	Paged
	Consumers []*ConsumerInfo `json:"consumers"`
	Missing   []string        `json:"missing,omitempty"`
}

// ErrorResponse is a bare error response of the given type.
func ErrorResponse(typ string, err *Error) Response {
	return Response{Type: typ, Error: err}
}
