/**
 * Fills `{name}` placeholders of a message with React nodes — for sentences that hold code or emphasis, so
 * the translation decides where they go.
 */
import { Fragment, ReactNode } from 'react';

export function fillNodes(template: string, values: Record<string, ReactNode>): ReactNode[] {
  return template.split(/(\{\w+\})/).map((part, i) => {
    const key = /^\{(\w+)\}$/.exec(part)?.[1];
    return key !== undefined && key in values ? <Fragment key={i}>{values[key]}</Fragment> : part;
  });
}
