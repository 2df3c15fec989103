/**
 * A zod issue as the technician reads it: the field's dotted path, the cause in Vietnamese and in English.
 * An unknown key is reported at its own path (ui.prot), not at its parent's.
 */
import type { z } from 'zod';

export interface ConfigProblem {
  path: string;
  messageVi: string;
  message: string;
}

const TYPE_VI: Record<string, string> = {
  string: 'chuỗi ký tự',
  number: 'số',
  boolean: 'true hoặc false',
  object: 'đối tượng { … }',
  array: 'danh sách [ … ]',
};

export function configProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: dotted([...issue.path, key]), messageVi: 'trường không được phép (sai tên?)', message: 'unknown field (misspelt?)' }));
    }
    return [{ path: dotted(issue.path), messageVi: vietnamese(issue), message: issue.message }];
  });
}

function vietnamese(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // The parse runs with reportInput, so a missing field is told apart from one of the wrong type.
      return 'input' in issue && issue.input === undefined ? 'thiếu trường bắt buộc' : `sai kiểu: cần ${TYPE_VI[issue.expected] ?? issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' ? `quá ngắn: cần ít nhất ${String(issue.minimum)} ký tự` : `quá nhỏ: tối thiểu ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `quá dài: tối đa ${String(issue.maximum)} ký tự` : `quá lớn: tối đa ${String(issue.maximum)}`;
    case 'invalid_format':
      return issue.format === 'url' ? 'không phải địa chỉ URL hợp lệ' : 'không đúng định dạng';
    case 'invalid_value':
      return `giá trị không được phép; chỉ được: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options) ? `giá trị không được phép; chỉ được: ${issue.options.map((v) => JSON.stringify(v)).join(', ')}` : 'giá trị không hợp lệ';
    case 'custom':
      return typeof issue.params?.messageVi === 'string' ? issue.params.messageVi : 'giá trị không hợp lệ';
    default:
      return 'giá trị không hợp lệ';
  }
}

function dotted(path: readonly PropertyKey[]): string {
  return path.length ? path.map(String).join('.') : '(top level)';
}
