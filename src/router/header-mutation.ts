/** Header add/remove lists compiled once per config and applied to a header list per request. */
import { RouterConfigError } from './errors.ts';
import { hasHeader, removeHeader, setHeader } from './header-list.ts';
import type { HeaderAppendAction, HeaderList, HeaderValueOption } from './types.ts';

/** One header to add, name pre-lowered. */
export interface HeaderAddition {
  readonly name: string;
  readonly lowerName: string;
  readonly value: string;
  readonly action: HeaderAppendAction;
}

/** One level's (route or virtual host) edits: removals run before additions, as in Envoy. */
export interface HeaderMutation {
  readonly remove: readonly string[];
  readonly add: readonly HeaderAddition[];
}

export type HeaderSide = 'request' | 'response';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;

function checkName(name: string, side: HeaderSide, where: string, list: string): string {
  if (!TOKEN.test(name)) {
    throw new RouterConfigError(where, `${list}: '${name}' is not a valid header name`);
  }
  const lowerName = name.toLowerCase();
  if (side === 'request' && lowerName === 'host') {
    throw new RouterConfigError(where, `${list}: 'host' cannot be changed here (use host_rewrite_literal)`);
  }
  return lowerName;
}

/** Compile one level's lists; null when both are empty so the hot path skips the level. */
export function compileHeaderMutation(
  toAdd: readonly HeaderValueOption[] | undefined,
  toRemove: readonly string[] | undefined,
  side: HeaderSide,
  where: string,
): HeaderMutation | null {
  const addList = `${side}_headers_to_add`;
  const removeList = `${side}_headers_to_remove`;
  const remove = (toRemove ?? []).map((n) => checkName(n, side, where, removeList));
  const add = (toAdd ?? []).map((h): HeaderAddition => {
    const lowerName = checkName(h.name, side, where, addList);
    if (BAD_VALUE.test(h.value)) {
      throw new RouterConfigError(where, `${addList}: value of '${h.name}' contains CR, LF or NUL`);
    }
    const action: HeaderAppendAction =
      h.appendAction ?? (h.append === false ? 'overwrite_if_exists_or_add' : 'append_if_exists_or_add');
    return { name: h.name, lowerName, value: h.value, action };
  });
  if (remove.length === 0 && add.length === 0) return null;
  return { remove, add };
}

/** Apply one level's edits to `headers` in place. */
export function applyHeaderMutation(headers: HeaderList, m: HeaderMutation): void {
  for (let i = 0; i < m.remove.length; i++) removeHeader(headers, m.remove[i]!);
  for (let i = 0; i < m.add.length; i++) {
    const a = m.add[i]!;
    switch (a.action) {
      case 'append_if_exists_or_add':
        headers.push(a.name, a.value);
        break;
      case 'add_if_absent':
        if (!hasHeader(headers, a.lowerName)) headers.push(a.name, a.value);
        break;
      case 'overwrite_if_exists_or_add':
        setHeader(headers, a.name, a.lowerName, a.value);
        break;
      case 'overwrite_if_exists':
        if (hasHeader(headers, a.lowerName)) setHeader(headers, a.name, a.lowerName, a.value);
        break;
    }
  }
}

/** Apply several levels in order (a route's list is route first, then its virtual host). */
export function applyHeaderMutations(headers: HeaderList, levels: readonly HeaderMutation[]): void {
  for (let i = 0; i < levels.length; i++) applyHeaderMutation(headers, levels[i]!);
}
