/**
 * @module Coordinated disclosure: the pure domain (`domain/`), and the service over the
 * store — intake with flood control, triage into cases, participants and their
 * capabilities, commands, messages, files, audit, mail and signed webhooks, and the
 * reminder scheduler.
 */
export * from './domain/index.ts';
export { DisclosureService, ANONYMOUS } from './service.ts';
export type { Principal, CaseRole, MessageView, DisclosureServiceOptions } from './service.ts';
export { DisclosureServiceError, DISCLOSURE_SERVICE_ERROR_CODES } from './errors.ts';
export type { DisclosureServiceErrorCode } from './errors.ts';
export { disclosureConfig, disclosureConfigFromEnv, DEFAULT_ATTACHMENT_LIMITS } from './config.ts';
export type { DisclosureConfig, DisclosureConfigInput, AttachmentLimits } from './config.ts';
export { newToken, hashToken, bodyCodec, parseKey, keyId, signWebhook, verifyWebhook, issueChallenge, verifyChallenge, solveChallenge, leadingZeroBits, SIGNATURE_HEADER } from './crypto.ts';
export type { BodyCodec, Challenge, ChallengeVerdict, WebhookVerdict } from './crypto.ts';
export { checkSubmission, checkAttachments, dedupHints, safeFileName, productKey, REPORT_LIMITS } from './intake.ts';
export type { ReportSubmission, AttachmentInput, DedupHint, DedupCandidate, CheckedReport } from './intake.ts';
export { deliverOutbox, smtpSender, backoffMs } from './delivery.ts';
export type { SendMail, DeliveryOptions } from './delivery.ts';
export { DisclosureScheduler } from './scheduler.ts';
export type { SchedulerOptions, TickResult } from './scheduler.ts';
export { CasePublisher, STALE_PUBLISHING_MS, advisoryId, buildContainer, checkRecord } from './publication.ts';
export type { CasePublisherOptions, CveDraft, CveDraftInput, DraftVersion, AdvisoryDraft, PublicationPlan, DraftCheck, PublicationResult } from './publication.ts';
