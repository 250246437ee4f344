/** An intrusive doubly linked list: O(1) push, pop and removal of an element from anywhere. */

/** Fields an element carries so it can sit in one list at a time. */
export interface ListNode<T extends ListNode<T>> {
  prev: T | null;
  next: T | null;
  list: LinkedList<T> | null;
}

export class LinkedList<T extends ListNode<T>> {
  readonly name: string;
  private head: T | null = null;
  private tail: T | null = null;
  private count = 0;

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.count;
  }

  /** First element (for `ready`: the most recently used; for `pending`: the oldest). */
  front(): T | null {
    return this.head;
  }

  /** Last element (for `ready`: the least recently used). */
  back(): T | null {
    return this.tail;
  }

  pushFront(node: T): void {
    node.list = this;
    node.prev = null;
    node.next = this.head;
    if (this.head) this.head.prev = node;
    else this.tail = node;
    this.head = node;
    this.count++;
  }

  pushBack(node: T): void {
    node.list = this;
    node.next = null;
    node.prev = this.tail;
    if (this.tail) this.tail.next = node;
    else this.head = node;
    this.tail = node;
    this.count++;
  }

  popFront(): T | null {
    const node = this.head;
    if (node) this.remove(node);
    return node;
  }

  /** Remove `node`, which must be in this list. */
  remove(node: T): void {
    if (node.prev) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = null;
    node.next = null;
    node.list = null;
    this.count--;
  }

  has(node: T): boolean {
    return node.list === this;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let n = this.head; n; n = n.next) out.push(n);
    return out;
  }
}
