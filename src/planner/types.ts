import { z } from 'zod';
import { AccountType } from '../catalog/schema';
import { CreateGroupBody, CreateMappingBody, UpdateTriggersBody } from '../integration/schemas';

/**
 * What the planner takes (answers from the Slack modals) and what it gives back
 * (the exact requests the articles print). Bodies reuse the integration client's
 * schemas so that a plan is always something the client can send.
 */

export const API_PATHS = {
  createGroup: '/integration/add/businessintegrationgroup',
  createMapping: '/integration/add/businessintegrationmapping',
  updateTriggers: '/integration/update/businessintegrationgroup',
} as const;

/** integrationGroupId in a planned mapping before `withGroupId` fills in the id the API returned. */
export const GROUP_ID_PENDING = 0;

export const TriggerChoice = z.object({
  triggerId: z.number().int().positive(),
  triggerTypeId: z.number().int().positive(),
  /** Set by the caller for a trigger the catalog names without an id (read from the triggers endpoint). */
  resolvedFromApi: z.literal(true).optional(),
});
export type TriggerChoice = z.infer<typeof TriggerChoice>;

/** Property key → value exactly as typed. Insertion order is the order sent in the body. */
export const TypedProperties = z.record(z.string(), z.string());
export type TypedProperties = z.infer<typeof TypedProperties>;

export const LocationInput = z.object({
  /** As typed; for an SMB setup it may be left empty and then is the parent business number. */
  businessNumber: z.string().optional(),
  properties: TypedProperties,
  /** "HH:MM" UTC. Checked against the CRM's NextRunDate window; the API body carries no such field. */
  nextRunTime: z.string().optional(),
});
export type LocationInput = z.infer<typeof LocationInput>;

export const PlanInput = z.object({
  crmId: z.string(),
  accountType: AccountType,
  /** As typed: Business ID (SMB) or Enterprise ID. */
  parentBusinessNumber: z.string(),
  triggers: z.array(TriggerChoice),
  groupProperties: TypedProperties,
  locations: z.array(LocationInput),
  /** Add locations to this group: no create-group request is planned. */
  existingGroupId: z.number().int().positive().optional(),
});
export type PlanInput = z.infer<typeof PlanInput>;

/**
 * A planned request's schema: its operation, the method and fixed path that operation is sent with, then
 * `fields` (the query, when it has one, and the body) in the order they are shown.
 */
function apiRequest<O extends keyof typeof API_PATHS, M extends 'PUT' | 'POST', F extends z.ZodRawShape>(
  operation: O,
  method: M,
  fields: F,
) {
  return z.object({
    operation: z.literal(operation),
    method: z.literal(method),
    path: z.literal(API_PATHS[operation]),
    ...fields,
  });
}

export const CreateGroupRequest = apiRequest('createGroup', 'PUT', { body: CreateGroupBody });
export type CreateGroupRequest = z.infer<typeof CreateGroupRequest>;

export const CreateMappingRequest = apiRequest('createMapping', 'PUT', { body: CreateMappingBody });
export type CreateMappingRequest = z.infer<typeof CreateMappingRequest>;

export const UpdateTriggersRequest = apiRequest('updateTriggers', 'POST', {
  query: z.object({ replaceTriggers: z.enum(['true', 'false']) }),
  body: UpdateTriggersBody,
});
export type UpdateTriggersRequest = z.infer<typeof UpdateTriggersRequest>;

export const ApiRequest = z.discriminatedUnion('operation', [
  CreateGroupRequest,
  CreateMappingRequest,
  UpdateTriggersRequest,
]);
export type ApiRequest = z.infer<typeof ApiRequest>;

export const PlannedMapping = z.object({
  businessNumber: z.number().int().positive(),
  /** Validated against the CRM's window; set in the dashboard, not in the body. */
  nextRunTime: z.string().optional(),
  request: CreateMappingRequest,
});
export type PlannedMapping = z.infer<typeof PlannedMapping>;

export const Plan = z.object({
  crmId: z.string(),
  accountType: AccountType,
  parentBusinessNumber: z.number().int().positive(),
  /** Absent when locations are added to an existing group. */
  group: CreateGroupRequest.optional(),
  existingGroupId: z.number().int().positive().optional(),
  mappings: z.array(PlannedMapping),
  /** Every change made to what was typed, and other things worth reading before sending. */
  warnings: z.array(z.string()),
});
export type Plan = z.infer<typeof Plan>;

export const FieldError = z.object({
  /** 'accountType', 'parentBusinessNumber', 'triggers', 'group.<key>', 'locations', 'locations.<i>.businessNumber', 'locations.<i>.<key>', 'locations.<i>.nextRunTime'. */
  field: z.string(),
  /** Plain words naming the field label; never contains a secret value. */
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

export type PlanResult = { ok: true; plan: Plan } | { ok: false; errors: FieldError[] };

/** A single planned request (trigger update, mapping re-send) with what changed on the way. */
export type RequestResult<R extends ApiRequest> =
  | { ok: true; request: R; warnings: string[] }
  | { ok: false; errors: FieldError[] };
