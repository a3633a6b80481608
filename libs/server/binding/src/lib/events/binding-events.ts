import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import type { BindingStatus, RuleKind } from '../rules/binding-rule';

export type InterceptReason = 'ip_not_allowed' | 'banned' | 'address_limit';

/** One refused request; what the intercept log stores and the alert module counts. */
export interface InterceptEvent {
  tokenHash: string;
  tokenMask: string;
  clientIp: string;
  ruleKind: RuleKind;
  ruleEntries: readonly string[];
  bindingStatus: BindingStatus;
  reason: InterceptReason;
  method: string;
  path: string;
  userAgent: string | null;
  requestId: string;
  at: Date;
}

/** A learning binding learnt one more address (BindingDecider). */
export interface AddressLearntEvent {
  tokenHash: string;
  tokenMask: string;
  clientIp: string;
  entry: string;
  /** Entries the binding holds now. */
  count: number;
}

export interface BindingCreatedEvent {
  tokenHash: string;
  tokenMask: string;
  clientIp: string;
  entry: string;
}

/** In-process domain events. Subscribers (alerts, metrics) must not block: they queue. */
@Injectable()
export class BindingEvents {
  readonly intercepts = new Subject<InterceptEvent>();
  readonly created = new Subject<BindingCreatedEvent>();
  readonly learnt = new Subject<AddressLearntEvent>();
}
