/** A request queued in a pool's FIFO `pending` list until a connection is free. */
import { IllegalTransitionError } from '../common/errors.ts';
import type { LinkedList, ListNode } from './linked-list.ts';
import type { PendingHandle, PoolCallbacks } from './pool-types.ts';

/** `waiting` → `served` | `failed` | `cancelled`; the last three are final. */
export type PendingState = 'waiting' | 'served' | 'failed' | 'cancelled';

/** The pool side: what cancelling must undo. */
export interface PendingOwner {
  cancelPending(req: PendingRequest): void;
}

export class PendingRequest implements PendingHandle, ListNode<PendingRequest> {
  prev: PendingRequest | null = null;
  next: PendingRequest | null = null;
  list: LinkedList<PendingRequest> | null = null;
  state: PendingState = 'waiting';
  readonly callbacks: PoolCallbacks;
  private readonly owner: PendingOwner;

  constructor(owner: PendingOwner, callbacks: PoolCallbacks) {
    this.owner = owner;
    this.callbacks = callbacks;
  }

  cancel(): void {
    this.finish('cancelled');
    this.owner.cancelPending(this);
  }

  /** Leave `waiting` for a final state; any other transition is a caller bug. */
  finish(to: 'served' | 'failed' | 'cancelled'): void {
    if (this.state !== 'waiting') throw new IllegalTransitionError('PendingRequest', this.state, to);
    this.state = to;
  }
}
