// Code generated from the error list natscli v0.5.0 prints with `nats errors ls`
// (nats-server's JetStream error codes). DO NOT EDIT by hand: add a row.

package api

// The JetStream API errors by err_code. Descriptions may hold {tokens} that
// ErrorCode.New replaces.
const (
	JSAccountResourcesExceededErr                ErrorCode = 10002 // resource limits exceeded for account
	JSBadRequestErr                              ErrorCode = 10003 // bad request
	JSClusterIncompleteErr                       ErrorCode = 10004 // incomplete results
	JSClusterNoPeersErrF                         ErrorCode = 10005 // {err}
	JSClusterNotActiveErr                        ErrorCode = 10006 // JetStream not in clustered mode
	JSClusterNotAssignedErr                      ErrorCode = 10007 // JetStream cluster not assigned to this server
	JSClusterNotAvailErr                         ErrorCode = 10008 // JetStream system temporarily unavailable
	JSClusterNotLeaderErr                        ErrorCode = 10009 // JetStream cluster can not handle request
	JSClusterRequiredErr                         ErrorCode = 10010 // JetStream clustering support required
	JSClusterTagsErr                             ErrorCode = 10011 // tags placement not supported for operation
	JSConsumerCreateErrF                         ErrorCode = 10012 // {err}
	JSConsumerNameExistErr                       ErrorCode = 10013 // consumer name already in use
	JSConsumerNotFoundErr                        ErrorCode = 10014 // consumer not found
	JSSnapshotDeliverSubjectInvalidErr           ErrorCode = 10015 // deliver subject not valid
	JSConsumerDurableNameNotInSubjectErr         ErrorCode = 10016 // consumer expected to be durable but no durable name set in subject
	JSConsumerDurableNameNotMatchSubjectErr      ErrorCode = 10017 // consumer name in subject does not match durable name in request
	JSConsumerDurableNameNotSetErr               ErrorCode = 10018 // consumer expected to be durable but a durable name was not set
	JSConsumerEphemeralWithDurableInSubjectErr   ErrorCode = 10019 // consumer expected to be ephemeral but detected a durable name set in subject
	JSConsumerEphemeralWithDurableNameErr        ErrorCode = 10020 // consumer expected to be ephemeral but a durable name was set in request
	JSStreamExternalApiOverlapErrF               ErrorCode = 10021 // stream external api prefix {prefix} must not overlap with {subject}
	JSStreamExternalDelPrefixOverlapsErrF        ErrorCode = 10022 // stream external delivery prefix {prefix} overlaps with stream subject {subject}
	JSInsufficientResourcesErr                   ErrorCode = 10023 // insufficient resources
	JSStreamInvalidExternalDeliverySubjErrF      ErrorCode = 10024 // stream external delivery prefix {prefix} must not contain wildcards
	JSInvalidJSONErr                             ErrorCode = 10025 // invalid JSON: {err}
	JSMaximumConsumersLimitErr                   ErrorCode = 10026 // maximum consumers limit reached
	JSMaximumStreamsLimitErr                     ErrorCode = 10027 // maximum number of streams reached
	JSMemoryResourcesExceededErr                 ErrorCode = 10028 // insufficient memory resources available
	JSMirrorConsumerSetupFailedErrF              ErrorCode = 10029 // {err}
	JSMirrorMaxMessageSizeTooBigErr              ErrorCode = 10030 // stream mirror must have max message size >= source
	JSMirrorWithSourcesErr                       ErrorCode = 10031 // stream mirrors can not also contain other sources
	JSMirrorWithStartSeqAndTimeErr               ErrorCode = 10032 // stream mirrors can not have both start seq and start time configured
	JSMirrorWithSubjectFiltersErr                ErrorCode = 10033 // stream mirrors can not contain filtered subjects
	JSMirrorWithSubjectsErr                      ErrorCode = 10034 // stream mirrors can not contain subjects
	JSNoAccountErr                               ErrorCode = 10035 // account not found
	JSClusterUnSupportFeatureErr                 ErrorCode = 10036 // not currently supported in clustered mode
	JSNoMessageFoundErr                          ErrorCode = 10037 // no message found
	JSNotEmptyRequestErr                         ErrorCode = 10038 // expected an empty request payload
	JSNotEnabledForAccountErr                    ErrorCode = 10039 // JetStream not enabled for account
	JSClusterPeerNotMemberErr                    ErrorCode = 10040 // peer not a member
	JSRaftGeneralErrF                            ErrorCode = 10041 // {err}
	JSRestoreSubscribeFailedErrF                 ErrorCode = 10042 // JetStream unable to subscribe to restore snapshot {subject}: {err}
	JSSequenceNotFoundErrF                       ErrorCode = 10043 // sequence {seq} not found
	JSClusterServerNotMemberErr                  ErrorCode = 10044 // server is not a member of the cluster
	JSSourceConsumerSetupFailedErrF              ErrorCode = 10045 // {err}
	JSSourceMaxMessageSizeTooBigErr              ErrorCode = 10046 // stream source must have max message size >= target
	JSStorageResourcesExceededErr                ErrorCode = 10047 // insufficient storage resources available
	JSStreamAssignmentErrF                       ErrorCode = 10048 // {err}
	JSStreamCreateErrF                           ErrorCode = 10049 // {err}
	JSStreamDeleteErrF                           ErrorCode = 10050 // {err}
	JSStreamGeneralErrorF                        ErrorCode = 10051 // {err}
	JSStreamInvalidConfigF                       ErrorCode = 10052 // {err}
	JSStreamLimitsErrF                           ErrorCode = 10053 // {err}
	JSStreamMessageExceedsMaximumErr             ErrorCode = 10054 // message size exceeds maximum allowed
	JSStreamMirrorNotUpdatableErr                ErrorCode = 10055 // stream mirror configuration can not be updated
	JSStreamMismatchErr                          ErrorCode = 10056 // stream name in subject does not match request
	JSStreamMsgDeleteFailedF                     ErrorCode = 10057 // {err}
	JSStreamNameExistErr                         ErrorCode = 10058 // stream name already in use with a different configuration
	JSStreamNotFoundErr                          ErrorCode = 10059 // stream not found
	JSStreamNotMatchErr                          ErrorCode = 10060 // expected stream does not match
	JSStreamReplicasNotUpdatableErr              ErrorCode = 10061 // Replicas configuration can not be updated
	JSStreamRestoreErrF                          ErrorCode = 10062 // restore failed: {err}
	JSStreamSequenceNotMatchErr                  ErrorCode = 10063 // expected stream sequence does not match
	JSStreamSnapshotErrF                         ErrorCode = 10064 // snapshot failed: {err}
	JSStreamSubjectOverlapErr                    ErrorCode = 10065 // subjects overlap with an existing stream
	JSStreamTemplateCreateErrF                   ErrorCode = 10066 // {err}
	JSStreamTemplateDeleteErrF                   ErrorCode = 10067 // {err}
	JSStreamTemplateNotFoundErr                  ErrorCode = 10068 // template not found
	JSStreamUpdateErrF                           ErrorCode = 10069 // {err}
	JSStreamWrongLastMsgIDErrF                   ErrorCode = 10070 // wrong last msg ID: {id}
	JSStreamWrongLastSequenceErrF                ErrorCode = 10071 // wrong last sequence: {seq}
	JSTempStorageFailedErr                       ErrorCode = 10072 // JetStream unable to open temp storage for restore
	JSTemplateNameNotMatchSubjectErr             ErrorCode = 10073 // template name in subject does not match request
	JSStreamReplicasNotSupportedErr              ErrorCode = 10074 // replicas > 1 not supported in non-clustered mode
	JSPeerRemapErr                               ErrorCode = 10075 // peer remap failed
	JSNotEnabledErr                              ErrorCode = 10076 // JetStream not enabled
	JSStreamStoreFailedF                         ErrorCode = 10077 // {err}
	JSConsumerConfigRequiredErr                  ErrorCode = 10078 // consumer config required
	JSConsumerDeliverToWildcardsErr              ErrorCode = 10079 // consumer deliver subject has wildcards
	JSConsumerPushMaxWaitingErr                  ErrorCode = 10080 // consumer in push mode can not set max waiting
	JSConsumerDeliverCycleErr                    ErrorCode = 10081 // consumer deliver subject forms a cycle
	JSConsumerMaxPendingAckPolicyRequiredErr     ErrorCode = 10082 // consumer requires ack policy for max ack pending
	JSConsumerSmallHeartbeatErr                  ErrorCode = 10083 // consumer idle heartbeat needs to be >= 100ms
	JSConsumerPullRequiresAckErr                 ErrorCode = 10084 // consumer in pull mode requires explicit ack policy on workqueue stream
	JSConsumerPullNotDurableErr                  ErrorCode = 10085 // consumer in pull mode requires a durable name
	JSConsumerPullWithRateLimitErr               ErrorCode = 10086 // consumer in pull mode can not have rate limit set
	JSConsumerMaxWaitingNegativeErr              ErrorCode = 10087 // consumer max waiting needs to be positive
	JSConsumerHBRequiresPushErr                  ErrorCode = 10088 // consumer idle heartbeat requires a push based consumer
	JSConsumerFCRequiresPushErr                  ErrorCode = 10089 // consumer flow control requires a push based consumer
	JSConsumerDirectRequiresPushErr              ErrorCode = 10090 // consumer direct requires a push based consumer
	JSConsumerDirectRequiresEphemeralErr         ErrorCode = 10091 // consumer direct requires an ephemeral consumer
	JSConsumerOnMappedErr                        ErrorCode = 10092 // consumer direct on a mapped consumer
	JSConsumerFilterNotSubsetErr                 ErrorCode = 10093 // consumer filter subject is not a valid subset of the interest subjects
	JSConsumerInvalidPolicyErrF                  ErrorCode = 10094 // {err}
	JSConsumerInvalidSamplingErrF                ErrorCode = 10095 // failed to parse consumer sampling configuration: {err}
	JSStreamInvalidErr                           ErrorCode = 10096 // stream not valid
	JSStreamHeaderExceedsMaximumErr              ErrorCode = 10097 // header size exceeds maximum allowed of 64k
	JSConsumerWQRequiresExplicitAckErr           ErrorCode = 10098 // workqueue stream requires explicit ack
	JSConsumerWQMultipleUnfilteredErr            ErrorCode = 10099 // multiple non-filtered consumers not allowed on workqueue stream
	JSConsumerWQConsumerNotUniqueErr             ErrorCode = 10100 // filtered consumer not unique on workqueue stream
	JSConsumerWQConsumerNotDeliverAllErr         ErrorCode = 10101 // consumer must be deliver all on workqueue stream
	JSConsumerNameTooLongErrF                    ErrorCode = 10102 // consumer name is too long, maximum allowed is {max}
	JSConsumerBadDurableNameErr                  ErrorCode = 10103 // durable name can not contain '.', '*', '>'
	JSConsumerStoreFailedErrF                    ErrorCode = 10104 // error creating store for consumer: {err}
	JSConsumerExistingActiveErr                  ErrorCode = 10105 // consumer already exists and is still active
	JSConsumerReplacementWithDifferentNameErr    ErrorCode = 10106 // consumer replacement durable config not the same
	JSConsumerDescriptionTooLongErrF             ErrorCode = 10107 // consumer description is too long, maximum allowed is {max}
	JSConsumerWithFlowControlNeedsHeartbeats     ErrorCode = 10108 // consumer with flow control also needs heartbeats
	JSStreamSealedErr                            ErrorCode = 10109 // invalid operation on sealed stream
	JSStreamPurgeFailedF                         ErrorCode = 10110 // {err}
	JSStreamRollupFailedF                        ErrorCode = 10111 // {err}
	JSConsumerInvalidDeliverSubject              ErrorCode = 10112 // invalid push consumer deliver subject
	JSStreamMaxBytesRequired                     ErrorCode = 10113 // account requires a stream config to have max bytes set
	JSConsumerMaxRequestBatchNegativeErr         ErrorCode = 10114 // consumer max request batch needs to be > 0
	JSConsumerMaxRequestExpiresTooSmall          ErrorCode = 10115 // consumer max request expires needs to be >= 1ms
	JSConsumerMaxDeliverBackoffErr               ErrorCode = 10116 // max deliver is required to be > length of backoff values
	JSStreamInfoMaxSubjectsErr                   ErrorCode = 10117 // subject details would exceed maximum allowed
	JSStreamOfflineErr                           ErrorCode = 10118 // stream is offline
	JSConsumerOfflineErr                         ErrorCode = 10119 // consumer is offline
	JSNoLimitsErr                                ErrorCode = 10120 // no JetStream default or applicable tiered limit present
	JSConsumerMaxPendingAckExcessErrF            ErrorCode = 10121 // consumer max ack pending exceeds system limit of {limit}
	JSStreamMaxStreamBytesExceeded               ErrorCode = 10122 // stream max bytes exceeds account limit max stream bytes
	JSStreamMoveAndScaleErr                      ErrorCode = 10123 // can not move and scale a stream in a single update
	JSStreamMoveInProgressF                      ErrorCode = 10124 // stream move already in progress: {msg}
	JSConsumerMaxRequestBatchExceededF           ErrorCode = 10125 // consumer max request batch exceeds server limit of {limit}
	JSConsumerReplicasExceedsStream              ErrorCode = 10126 // consumer config replica count exceeds parent stream
	JSConsumerNameContainsPathSeparatorsErr      ErrorCode = 10127 // Consumer name can not contain path separators
	JSStreamNameContainsPathSeparatorsErr        ErrorCode = 10128 // Stream name can not contain path separators
	JSStreamMoveNotInProgress                    ErrorCode = 10129 // stream move not in progress
	JSStreamNameExistRestoreFailedErr            ErrorCode = 10130 // stream name already in use, cannot restore
	JSConsumerCreateFilterSubjectMismatchErr     ErrorCode = 10131 // Consumer create request did not match filtered subject from create subject
	JSConsumerCreateDurableAndNameMismatch       ErrorCode = 10132 // Consumer Durable and Name have to be equal if both are provided
	JSReplicasCountCannotBeNegative              ErrorCode = 10133 // replicas count cannot be negative
	JSConsumerReplicasShouldMatchStream          ErrorCode = 10134 // consumer config replicas must match interest retention stream's replicas
	JSConsumerMetadataLengthErrF                 ErrorCode = 10135 // consumer metadata exceeds maximum size of {limit}
	JSConsumerDuplicateFilterSubjects            ErrorCode = 10136 // consumer cannot have both FilterSubject and FilterSubjects specified
	JSConsumerMultipleFiltersNotAllowed          ErrorCode = 10137 // consumer with multiple subject filters cannot use subject based API
	JSConsumerOverlappingSubjectFilters          ErrorCode = 10138 // consumer subject filters cannot overlap
	JSConsumerEmptyFilter                        ErrorCode = 10139 // consumer filter in FilterSubjects cannot be empty
	JSSourceDuplicateDetected                    ErrorCode = 10140 // duplicate source configuration detected
	JSSourceInvalidStreamName                    ErrorCode = 10141 // sourced stream name is invalid
	JSMirrorInvalidStreamName                    ErrorCode = 10142 // mirrored stream name is invalid
	JSMirrorWithFirstSeqErr                      ErrorCode = 10143 // stream mirrors can not have first sequence configured
	JSSourceMultipleFiltersNotAllowed            ErrorCode = 10144 // source with multiple subject transforms cannot also have a single subject filter
	JSSourceInvalidSubjectFilter                 ErrorCode = 10145 // source transform source: {err}
	JSSourceInvalidTransformDestination          ErrorCode = 10146 // source transform: {err}
	JSSourceOverlappingSubjectFilters            ErrorCode = 10147 // source filters can not overlap
	JSConsumerAlreadyExists                      ErrorCode = 10148 // consumer already exists
	JSConsumerDoesNotExist                       ErrorCode = 10149 // consumer does not exist
	JSMirrorMultipleFiltersNotAllowed            ErrorCode = 10150 // mirror with multiple subject transforms cannot also have a single subject filter
	JSMirrorInvalidSubjectFilter                 ErrorCode = 10151 // mirror transform source: {err}
	JSMirrorOverlappingSubjectFilters            ErrorCode = 10152 // mirror subject filters can not overlap
	JSConsumerInactiveThresholdExcess            ErrorCode = 10153 // consumer inactive threshold exceeds system limit of {limit}
	JSMirrorInvalidTransformDestination          ErrorCode = 10154 // mirror transform: {err}
	JSStreamTransformInvalidSource               ErrorCode = 10155 // stream transform source: {err}
	JSStreamTransformInvalidDestination          ErrorCode = 10156 // stream transform: {err}
	JSPedanticErrF                               ErrorCode = 10157 // pedantic mode: {err}
	JSStreamDuplicateMessageConflict             ErrorCode = 10158 // duplicate message id is in process
	JSConsumerPriorityPolicyWithoutGroup         ErrorCode = 10159 // Setting PriorityPolicy requires at least one PriorityGroup to be set
	JSConsumerInvalidPriorityGroupErr            ErrorCode = 10160 // Provided priority group does not exist for this consumer
	JSConsumerEmptyGroupName                     ErrorCode = 10161 // Group name cannot be an empty string
	JSConsumerInvalidGroupNameErr                ErrorCode = 10162 // Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters
	JSStreamExpectedLastSeqPerSubjectNotReady    ErrorCode = 10163 // expected last sequence per subject temporarily unavailable
	JSStreamWrongLastSequenceConstantErr         ErrorCode = 10164 // wrong last sequence
	JSMessageTTLInvalidErr                       ErrorCode = 10165 // invalid per-message TTL
	JSMessageTTLDisabledErr                      ErrorCode = 10166 // per-message TTL is disabled
	JSStreamTooManyRequests                      ErrorCode = 10167 // too many requests
	JSMessageIncrDisabledErr                     ErrorCode = 10168 // message counters is disabled
	JSMessageIncrMissingErr                      ErrorCode = 10169 // message counter increment is missing
	JSMessageIncrPayloadErr                      ErrorCode = 10170 // message counter has payload
	JSMessageIncrInvalidErr                      ErrorCode = 10171 // message counter increment is invalid
	JSMessageCounterBrokenErr                    ErrorCode = 10172 // message counter is broken
	JSMirrorWithCountersErr                      ErrorCode = 10173 // stream mirrors can not also calculate counters
	JSAtomicPublishDisabledErr                   ErrorCode = 10174 // atomic publish is disabled
	JSAtomicPublishMissingSeqErr                 ErrorCode = 10175 // atomic publish sequence is missing
	JSAtomicPublishIncompleteBatchErr            ErrorCode = 10176 // atomic publish batch is incomplete
	JSAtomicPublishUnsupportedHeaderBatchErr     ErrorCode = 10177 // atomic publish unsupported header used: {header}
	JSConsumerPushWithPriorityGroupErr           ErrorCode = 10178 // priority groups can not be used with push consumers
	JSAtomicPublishInvalidBatchIDErr             ErrorCode = 10179 // atomic publish batch ID is invalid
	JSStreamMinLastSeqErr                        ErrorCode = 10180 // min last sequence
	JSConsumerAckPolicyInvalidErr                ErrorCode = 10181 // consumer ack policy invalid
	JSConsumerReplayPolicyInvalidErr             ErrorCode = 10182 // consumer replay policy invalid
	JSConsumerAckWaitNegativeErr                 ErrorCode = 10183 // consumer ack wait needs to be positive
	JSConsumerBackOffNegativeErr                 ErrorCode = 10184 // consumer backoff needs to be positive
	JSRequiredApiLevelErr                        ErrorCode = 10185 // JetStream minimum api level required
	JSMirrorWithMsgSchedulesErr                  ErrorCode = 10186 // stream mirrors can not also schedule messages
	JSSourceWithMsgSchedulesErr                  ErrorCode = 10187 // stream source can not also schedule messages
	JSMessageSchedulesDisabledErr                ErrorCode = 10188 // message schedules is disabled
	JSMessageSchedulesPatternInvalidErr          ErrorCode = 10189 // message schedules pattern is invalid
	JSMessageSchedulesTargetInvalidErr           ErrorCode = 10190 // message schedules target is invalid
	JSMessageSchedulesTTLInvalidErr              ErrorCode = 10191 // message schedules invalid per-message TTL
	JSMessageSchedulesRollupInvalidErr           ErrorCode = 10192 // message schedules invalid rollup
	JSStreamExpectedLastSeqPerSubjectInvalid     ErrorCode = 10193 // missing sequence for expected last sequence per subject
	JSStreamOfflineReasonErrF                    ErrorCode = 10194 // stream is offline: {err}
	JSConsumerOfflineReasonErrF                  ErrorCode = 10195 // consumer is offline: {err}
	JSConsumerPriorityGroupWithPolicyNone        ErrorCode = 10196 // consumer can not have priority groups when policy is none
	JSConsumerPinnedTTLWithoutPriorityPolicyNone ErrorCode = 10197 // PinnedTTL cannot be set when PriorityPolicy is none
	JSMirrorWithAtomicPublishErr                 ErrorCode = 10198 // stream mirrors can not also use atomic publishing
	JSAtomicPublishTooLargeBatchErrF             ErrorCode = 10199 // atomic publish batch is too large: {size}
	JSAtomicPublishInvalidBatchCommitErr         ErrorCode = 10200 // atomic publish batch commit is invalid
	JSAtomicPublishContainsDuplicateMessageErr   ErrorCode = 10201 // atomic publish batch contains duplicate message id
	JSClusterServerMemberChangeInflightErr       ErrorCode = 10202 // cluster member change is in progress
	JSMessageSchedulesSourceInvalidErr           ErrorCode = 10203 // message schedules source is invalid
	JSConsumerInvalidResetErr                    ErrorCode = 10204 // invalid reset: {err}
	JSBatchPublishDisabledErr                    ErrorCode = 10205 // batch publish is disabled
	JSBatchPublishInvalidPatternErr              ErrorCode = 10206 // batch publish pattern is invalid
	JSBatchPublishInvalidBatchIDErr              ErrorCode = 10207 // batch publish ID is invalid
	JSBatchPublishUnknownBatchIDErr              ErrorCode = 10208 // batch publish ID unknown
	JSMirrorWithBatchPublishErr                  ErrorCode = 10209 // stream mirrors can not also use batch publishing
	JSAtomicPublishTooManyInflight               ErrorCode = 10210 // atomic publish too many inflight
	JSBatchPublishTooManyInflight                ErrorCode = 10211 // batch publish too many inflight
	JSMessageSchedulesSchedulerInvalidErr        ErrorCode = 10212 // message schedules invalid scheduler
	JSMirrorDurableConsumerCfgInvalid            ErrorCode = 10213 // stream mirror consumer config is invalid
	JSMirrorConsumerRequiresAckFCErr             ErrorCode = 10214 // stream mirror consumer requires flow control ack policy
	JSSourceDurableConsumerCfgInvalid            ErrorCode = 10215 // stream source consumer config is invalid
	JSSourceDurableConsumerDuplicateDetected     ErrorCode = 10216 // duplicate stream source consumer detected
	JSSourceConsumerRequiresAckFCErr             ErrorCode = 10217 // stream source consumer requires flow control ack policy
	JSConsumerAckFCRequiresPushErr               ErrorCode = 10218 // flow control ack policy requires a push based consumer
	JSConsumerAckFCRequiresFCErr                 ErrorCode = 10219 // flow control ack policy requires flow control
	JSConsumerAckFCRequiresMaxAckPendingErr      ErrorCode = 10220 // flow control ack policy requires max ack pending
	JSConsumerAckFCRequiresNoAckWaitErr          ErrorCode = 10221 // flow control ack policy requires unset ack wait
	JSConsumerAckFCRequiresNoMaxDeliverErr       ErrorCode = 10222 // flow control ack policy requires unset max deliver
	JSMessageSchedulesTimeZoneInvalidErr         ErrorCode = 10223 // message schedules time zone is invalid
	JSClusterRescueErr                           ErrorCode = 10224 // JetStream system rescue not applied: {err}
	JSConsumerStreamIdentityMismatchF            ErrorCode = 10225 // consumer's stream identity does not match: {msg}
)

// errorTable holds each error's HTTP-like code and description template.
var errorTable = map[ErrorCode]errorDef{
	JSAccountResourcesExceededErr:                {400, "resource limits exceeded for account"},
	JSBadRequestErr:                              {400, "bad request"},
	JSClusterIncompleteErr:                       {503, "incomplete results"},
	JSClusterNoPeersErrF:                         {400, "{err}"},
	JSClusterNotActiveErr:                        {500, "JetStream not in clustered mode"},
	JSClusterNotAssignedErr:                      {500, "JetStream cluster not assigned to this server"},
	JSClusterNotAvailErr:                         {503, "JetStream system temporarily unavailable"},
	JSClusterNotLeaderErr:                        {500, "JetStream cluster can not handle request"},
	JSClusterRequiredErr:                         {503, "JetStream clustering support required"},
	JSClusterTagsErr:                             {400, "tags placement not supported for operation"},
	JSConsumerCreateErrF:                         {500, "{err}"},
	JSConsumerNameExistErr:                       {400, "consumer name already in use"},
	JSConsumerNotFoundErr:                        {404, "consumer not found"},
	JSSnapshotDeliverSubjectInvalidErr:           {400, "deliver subject not valid"},
	JSConsumerDurableNameNotInSubjectErr:         {400, "consumer expected to be durable but no durable name set in subject"},
	JSConsumerDurableNameNotMatchSubjectErr:      {400, "consumer name in subject does not match durable name in request"},
	JSConsumerDurableNameNotSetErr:               {400, "consumer expected to be durable but a durable name was not set"},
	JSConsumerEphemeralWithDurableInSubjectErr:   {400, "consumer expected to be ephemeral but detected a durable name set in subject"},
	JSConsumerEphemeralWithDurableNameErr:        {400, "consumer expected to be ephemeral but a durable name was set in request"},
	JSStreamExternalApiOverlapErrF:               {400, "stream external api prefix {prefix} must not overlap with {subject}"},
	JSStreamExternalDelPrefixOverlapsErrF:        {400, "stream external delivery prefix {prefix} overlaps with stream subject {subject}"},
	JSInsufficientResourcesErr:                   {503, "insufficient resources"},
	JSStreamInvalidExternalDeliverySubjErrF:      {400, "stream external delivery prefix {prefix} must not contain wildcards"},
	JSInvalidJSONErr:                             {400, "invalid JSON: {err}"},
	JSMaximumConsumersLimitErr:                   {400, "maximum consumers limit reached"},
	JSMaximumStreamsLimitErr:                     {400, "maximum number of streams reached"},
	JSMemoryResourcesExceededErr:                 {500, "insufficient memory resources available"},
	JSMirrorConsumerSetupFailedErrF:              {500, "{err}"},
	JSMirrorMaxMessageSizeTooBigErr:              {400, "stream mirror must have max message size >= source"},
	JSMirrorWithSourcesErr:                       {400, "stream mirrors can not also contain other sources"},
	JSMirrorWithStartSeqAndTimeErr:               {400, "stream mirrors can not have both start seq and start time configured"},
	JSMirrorWithSubjectFiltersErr:                {400, "stream mirrors can not contain filtered subjects"},
	JSMirrorWithSubjectsErr:                      {400, "stream mirrors can not contain subjects"},
	JSNoAccountErr:                               {503, "account not found"},
	JSClusterUnSupportFeatureErr:                 {503, "not currently supported in clustered mode"},
	JSNoMessageFoundErr:                          {404, "no message found"},
	JSNotEmptyRequestErr:                         {400, "expected an empty request payload"},
	JSNotEnabledForAccountErr:                    {503, "JetStream not enabled for account"},
	JSClusterPeerNotMemberErr:                    {400, "peer not a member"},
	JSRaftGeneralErrF:                            {500, "{err}"},
	JSRestoreSubscribeFailedErrF:                 {500, "JetStream unable to subscribe to restore snapshot {subject}: {err}"},
	JSSequenceNotFoundErrF:                       {400, "sequence {seq} not found"},
	JSClusterServerNotMemberErr:                  {400, "server is not a member of the cluster"},
	JSSourceConsumerSetupFailedErrF:              {500, "{err}"},
	JSSourceMaxMessageSizeTooBigErr:              {400, "stream source must have max message size >= target"},
	JSStorageResourcesExceededErr:                {500, "insufficient storage resources available"},
	JSStreamAssignmentErrF:                       {500, "{err}"},
	JSStreamCreateErrF:                           {500, "{err}"},
	JSStreamDeleteErrF:                           {500, "{err}"},
	JSStreamGeneralErrorF:                        {500, "{err}"},
	JSStreamInvalidConfigF:                       {500, "{err}"},
	JSStreamLimitsErrF:                           {500, "{err}"},
	JSStreamMessageExceedsMaximumErr:             {400, "message size exceeds maximum allowed"},
	JSStreamMirrorNotUpdatableErr:                {400, "stream mirror configuration can not be updated"},
	JSStreamMismatchErr:                          {400, "stream name in subject does not match request"},
	JSStreamMsgDeleteFailedF:                     {500, "{err}"},
	JSStreamNameExistErr:                         {400, "stream name already in use with a different configuration"},
	JSStreamNotFoundErr:                          {404, "stream not found"},
	JSStreamNotMatchErr:                          {400, "expected stream does not match"},
	JSStreamReplicasNotUpdatableErr:              {400, "Replicas configuration can not be updated"},
	JSStreamRestoreErrF:                          {500, "restore failed: {err}"},
	JSStreamSequenceNotMatchErr:                  {503, "expected stream sequence does not match"},
	JSStreamSnapshotErrF:                         {500, "snapshot failed: {err}"},
	JSStreamSubjectOverlapErr:                    {400, "subjects overlap with an existing stream"},
	JSStreamTemplateCreateErrF:                   {500, "{err}"},
	JSStreamTemplateDeleteErrF:                   {500, "{err}"},
	JSStreamTemplateNotFoundErr:                  {404, "template not found"},
	JSStreamUpdateErrF:                           {500, "{err}"},
	JSStreamWrongLastMsgIDErrF:                   {400, "wrong last msg ID: {id}"},
	JSStreamWrongLastSequenceErrF:                {400, "wrong last sequence: {seq}"},
	JSTempStorageFailedErr:                       {500, "JetStream unable to open temp storage for restore"},
	JSTemplateNameNotMatchSubjectErr:             {400, "template name in subject does not match request"},
	JSStreamReplicasNotSupportedErr:              {500, "replicas > 1 not supported in non-clustered mode"},
	JSPeerRemapErr:                               {503, "peer remap failed"},
	JSNotEnabledErr:                              {503, "JetStream not enabled"},
	JSStreamStoreFailedF:                         {503, "{err}"},
	JSConsumerConfigRequiredErr:                  {400, "consumer config required"},
	JSConsumerDeliverToWildcardsErr:              {400, "consumer deliver subject has wildcards"},
	JSConsumerPushMaxWaitingErr:                  {400, "consumer in push mode can not set max waiting"},
	JSConsumerDeliverCycleErr:                    {400, "consumer deliver subject forms a cycle"},
	JSConsumerMaxPendingAckPolicyRequiredErr:     {400, "consumer requires ack policy for max ack pending"},
	JSConsumerSmallHeartbeatErr:                  {400, "consumer idle heartbeat needs to be >= 100ms"},
	JSConsumerPullRequiresAckErr:                 {400, "consumer in pull mode requires explicit ack policy on workqueue stream"},
	JSConsumerPullNotDurableErr:                  {400, "consumer in pull mode requires a durable name"},
	JSConsumerPullWithRateLimitErr:               {400, "consumer in pull mode can not have rate limit set"},
	JSConsumerMaxWaitingNegativeErr:              {400, "consumer max waiting needs to be positive"},
	JSConsumerHBRequiresPushErr:                  {400, "consumer idle heartbeat requires a push based consumer"},
	JSConsumerFCRequiresPushErr:                  {400, "consumer flow control requires a push based consumer"},
	JSConsumerDirectRequiresPushErr:              {400, "consumer direct requires a push based consumer"},
	JSConsumerDirectRequiresEphemeralErr:         {400, "consumer direct requires an ephemeral consumer"},
	JSConsumerOnMappedErr:                        {400, "consumer direct on a mapped consumer"},
	JSConsumerFilterNotSubsetErr:                 {400, "consumer filter subject is not a valid subset of the interest subjects"},
	JSConsumerInvalidPolicyErrF:                  {400, "{err}"},
	JSConsumerInvalidSamplingErrF:                {400, "failed to parse consumer sampling configuration: {err}"},
	JSStreamInvalidErr:                           {500, "stream not valid"},
	JSStreamHeaderExceedsMaximumErr:              {400, "header size exceeds maximum allowed of 64k"},
	JSConsumerWQRequiresExplicitAckErr:           {400, "workqueue stream requires explicit ack"},
	JSConsumerWQMultipleUnfilteredErr:            {400, "multiple non-filtered consumers not allowed on workqueue stream"},
	JSConsumerWQConsumerNotUniqueErr:             {400, "filtered consumer not unique on workqueue stream"},
	JSConsumerWQConsumerNotDeliverAllErr:         {400, "consumer must be deliver all on workqueue stream"},
	JSConsumerNameTooLongErrF:                    {400, "consumer name is too long, maximum allowed is {max}"},
	JSConsumerBadDurableNameErr:                  {400, "durable name can not contain '.', '*', '>'"},
	JSConsumerStoreFailedErrF:                    {500, "error creating store for consumer: {err}"},
	JSConsumerExistingActiveErr:                  {400, "consumer already exists and is still active"},
	JSConsumerReplacementWithDifferentNameErr:    {400, "consumer replacement durable config not the same"},
	JSConsumerDescriptionTooLongErrF:             {400, "consumer description is too long, maximum allowed is {max}"},
	JSConsumerWithFlowControlNeedsHeartbeats:     {400, "consumer with flow control also needs heartbeats"},
	JSStreamSealedErr:                            {400, "invalid operation on sealed stream"},
	JSStreamPurgeFailedF:                         {500, "{err}"},
	JSStreamRollupFailedF:                        {500, "{err}"},
	JSConsumerInvalidDeliverSubject:              {400, "invalid push consumer deliver subject"},
	JSStreamMaxBytesRequired:                     {400, "account requires a stream config to have max bytes set"},
	JSConsumerMaxRequestBatchNegativeErr:         {400, "consumer max request batch needs to be > 0"},
	JSConsumerMaxRequestExpiresTooSmall:          {400, "consumer max request expires needs to be >= 1ms"},
	JSConsumerMaxDeliverBackoffErr:               {400, "max deliver is required to be > length of backoff values"},
	JSStreamInfoMaxSubjectsErr:                   {500, "subject details would exceed maximum allowed"},
	JSStreamOfflineErr:                           {500, "stream is offline"},
	JSConsumerOfflineErr:                         {500, "consumer is offline"},
	JSNoLimitsErr:                                {400, "no JetStream default or applicable tiered limit present"},
	JSConsumerMaxPendingAckExcessErrF:            {400, "consumer max ack pending exceeds system limit of {limit}"},
	JSStreamMaxStreamBytesExceeded:               {400, "stream max bytes exceeds account limit max stream bytes"},
	JSStreamMoveAndScaleErr:                      {400, "can not move and scale a stream in a single update"},
	JSStreamMoveInProgressF:                      {400, "stream move already in progress: {msg}"},
	JSConsumerMaxRequestBatchExceededF:           {400, "consumer max request batch exceeds server limit of {limit}"},
	JSConsumerReplicasExceedsStream:              {400, "consumer config replica count exceeds parent stream"},
	JSConsumerNameContainsPathSeparatorsErr:      {400, "Consumer name can not contain path separators"},
	JSStreamNameContainsPathSeparatorsErr:        {400, "Stream name can not contain path separators"},
	JSStreamMoveNotInProgress:                    {400, "stream move not in progress"},
	JSStreamNameExistRestoreFailedErr:            {400, "stream name already in use, cannot restore"},
	JSConsumerCreateFilterSubjectMismatchErr:     {400, "Consumer create request did not match filtered subject from create subject"},
	JSConsumerCreateDurableAndNameMismatch:       {400, "Consumer Durable and Name have to be equal if both are provided"},
	JSReplicasCountCannotBeNegative:              {400, "replicas count cannot be negative"},
	JSConsumerReplicasShouldMatchStream:          {400, "consumer config replicas must match interest retention stream's replicas"},
	JSConsumerMetadataLengthErrF:                 {400, "consumer metadata exceeds maximum size of {limit}"},
	JSConsumerDuplicateFilterSubjects:            {400, "consumer cannot have both FilterSubject and FilterSubjects specified"},
	JSConsumerMultipleFiltersNotAllowed:          {400, "consumer with multiple subject filters cannot use subject based API"},
	JSConsumerOverlappingSubjectFilters:          {400, "consumer subject filters cannot overlap"},
	JSConsumerEmptyFilter:                        {400, "consumer filter in FilterSubjects cannot be empty"},
	JSSourceDuplicateDetected:                    {400, "duplicate source configuration detected"},
	JSSourceInvalidStreamName:                    {400, "sourced stream name is invalid"},
	JSMirrorInvalidStreamName:                    {400, "mirrored stream name is invalid"},
	JSMirrorWithFirstSeqErr:                      {400, "stream mirrors can not have first sequence configured"},
	JSSourceMultipleFiltersNotAllowed:            {400, "source with multiple subject transforms cannot also have a single subject filter"},
	JSSourceInvalidSubjectFilter:                 {400, "source transform source: {err}"},
	JSSourceInvalidTransformDestination:          {400, "source transform: {err}"},
	JSSourceOverlappingSubjectFilters:            {400, "source filters can not overlap"},
	JSConsumerAlreadyExists:                      {400, "consumer already exists"},
	JSConsumerDoesNotExist:                       {400, "consumer does not exist"},
	JSMirrorMultipleFiltersNotAllowed:            {400, "mirror with multiple subject transforms cannot also have a single subject filter"},
	JSMirrorInvalidSubjectFilter:                 {400, "mirror transform source: {err}"},
	JSMirrorOverlappingSubjectFilters:            {400, "mirror subject filters can not overlap"},
	JSConsumerInactiveThresholdExcess:            {400, "consumer inactive threshold exceeds system limit of {limit}"},
	JSMirrorInvalidTransformDestination:          {400, "mirror transform: {err}"},
	JSStreamTransformInvalidSource:               {400, "stream transform source: {err}"},
	JSStreamTransformInvalidDestination:          {400, "stream transform: {err}"},
	JSPedanticErrF:                               {400, "pedantic mode: {err}"},
	JSStreamDuplicateMessageConflict:             {409, "duplicate message id is in process"},
	JSConsumerPriorityPolicyWithoutGroup:         {400, "Setting PriorityPolicy requires at least one PriorityGroup to be set"},
	JSConsumerInvalidPriorityGroupErr:            {400, "Provided priority group does not exist for this consumer"},
	JSConsumerEmptyGroupName:                     {400, "Group name cannot be an empty string"},
	JSConsumerInvalidGroupNameErr:                {400, "Valid priority group name must match A-Z, a-z, 0-9, -_/=)+ and may not exceed 16 characters"},
	JSStreamExpectedLastSeqPerSubjectNotReady:    {503, "expected last sequence per subject temporarily unavailable"},
	JSStreamWrongLastSequenceConstantErr:         {400, "wrong last sequence"},
	JSMessageTTLInvalidErr:                       {400, "invalid per-message TTL"},
	JSMessageTTLDisabledErr:                      {400, "per-message TTL is disabled"},
	JSStreamTooManyRequests:                      {429, "too many requests"},
	JSMessageIncrDisabledErr:                     {400, "message counters is disabled"},
	JSMessageIncrMissingErr:                      {400, "message counter increment is missing"},
	JSMessageIncrPayloadErr:                      {400, "message counter has payload"},
	JSMessageIncrInvalidErr:                      {400, "message counter increment is invalid"},
	JSMessageCounterBrokenErr:                    {400, "message counter is broken"},
	JSMirrorWithCountersErr:                      {400, "stream mirrors can not also calculate counters"},
	JSAtomicPublishDisabledErr:                   {400, "atomic publish is disabled"},
	JSAtomicPublishMissingSeqErr:                 {400, "atomic publish sequence is missing"},
	JSAtomicPublishIncompleteBatchErr:            {400, "atomic publish batch is incomplete"},
	JSAtomicPublishUnsupportedHeaderBatchErr:     {400, "atomic publish unsupported header used: {header}"},
	JSConsumerPushWithPriorityGroupErr:           {400, "priority groups can not be used with push consumers"},
	JSAtomicPublishInvalidBatchIDErr:             {400, "atomic publish batch ID is invalid"},
	JSStreamMinLastSeqErr:                        {412, "min last sequence"},
	JSConsumerAckPolicyInvalidErr:                {400, "consumer ack policy invalid"},
	JSConsumerReplayPolicyInvalidErr:             {400, "consumer replay policy invalid"},
	JSConsumerAckWaitNegativeErr:                 {400, "consumer ack wait needs to be positive"},
	JSConsumerBackOffNegativeErr:                 {400, "consumer backoff needs to be positive"},
	JSRequiredApiLevelErr:                        {412, "JetStream minimum api level required"},
	JSMirrorWithMsgSchedulesErr:                  {400, "stream mirrors can not also schedule messages"},
	JSSourceWithMsgSchedulesErr:                  {400, "stream source can not also schedule messages"},
	JSMessageSchedulesDisabledErr:                {400, "message schedules is disabled"},
	JSMessageSchedulesPatternInvalidErr:          {400, "message schedules pattern is invalid"},
	JSMessageSchedulesTargetInvalidErr:           {400, "message schedules target is invalid"},
	JSMessageSchedulesTTLInvalidErr:              {400, "message schedules invalid per-message TTL"},
	JSMessageSchedulesRollupInvalidErr:           {400, "message schedules invalid rollup"},
	JSStreamExpectedLastSeqPerSubjectInvalid:     {400, "missing sequence for expected last sequence per subject"},
	JSStreamOfflineReasonErrF:                    {500, "stream is offline: {err}"},
	JSConsumerOfflineReasonErrF:                  {500, "consumer is offline: {err}"},
	JSConsumerPriorityGroupWithPolicyNone:        {400, "consumer can not have priority groups when policy is none"},
	JSConsumerPinnedTTLWithoutPriorityPolicyNone: {400, "PinnedTTL cannot be set when PriorityPolicy is none"},
	JSMirrorWithAtomicPublishErr:                 {400, "stream mirrors can not also use atomic publishing"},
	JSAtomicPublishTooLargeBatchErrF:             {400, "atomic publish batch is too large: {size}"},
	JSAtomicPublishInvalidBatchCommitErr:         {400, "atomic publish batch commit is invalid"},
	JSAtomicPublishContainsDuplicateMessageErr:   {400, "atomic publish batch contains duplicate message id"},
	JSClusterServerMemberChangeInflightErr:       {400, "cluster member change is in progress"},
	JSMessageSchedulesSourceInvalidErr:           {400, "message schedules source is invalid"},
	JSConsumerInvalidResetErr:                    {400, "invalid reset: {err}"},
	JSBatchPublishDisabledErr:                    {400, "batch publish is disabled"},
	JSBatchPublishInvalidPatternErr:              {400, "batch publish pattern is invalid"},
	JSBatchPublishInvalidBatchIDErr:              {400, "batch publish ID is invalid"},
	JSBatchPublishUnknownBatchIDErr:              {400, "batch publish ID unknown"},
	JSMirrorWithBatchPublishErr:                  {400, "stream mirrors can not also use batch publishing"},
	JSAtomicPublishTooManyInflight:               {429, "atomic publish too many inflight"},
	JSBatchPublishTooManyInflight:                {429, "batch publish too many inflight"},
	JSMessageSchedulesSchedulerInvalidErr:        {400, "message schedules invalid scheduler"},
	JSMirrorDurableConsumerCfgInvalid:            {400, "stream mirror consumer config is invalid"},
	JSMirrorConsumerRequiresAckFCErr:             {400, "stream mirror consumer requires flow control ack policy"},
	JSSourceDurableConsumerCfgInvalid:            {400, "stream source consumer config is invalid"},
	JSSourceDurableConsumerDuplicateDetected:     {400, "duplicate stream source consumer detected"},
	JSSourceConsumerRequiresAckFCErr:             {400, "stream source consumer requires flow control ack policy"},
	JSConsumerAckFCRequiresPushErr:               {400, "flow control ack policy requires a push based consumer"},
	JSConsumerAckFCRequiresFCErr:                 {400, "flow control ack policy requires flow control"},
	JSConsumerAckFCRequiresMaxAckPendingErr:      {400, "flow control ack policy requires max ack pending"},
	JSConsumerAckFCRequiresNoAckWaitErr:          {400, "flow control ack policy requires unset ack wait"},
	JSConsumerAckFCRequiresNoMaxDeliverErr:       {400, "flow control ack policy requires unset max deliver"},
	JSMessageSchedulesTimeZoneInvalidErr:         {400, "message schedules time zone is invalid"},
	JSClusterRescueErr:                           {400, "JetStream system rescue not applied: {err}"},
	JSConsumerStreamIdentityMismatchF:            {400, "consumer's stream identity does not match: {msg}"},
}
