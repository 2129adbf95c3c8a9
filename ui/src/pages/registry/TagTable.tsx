/** Tags of a registered model or a model version: add, edit, delete (with confirmation). */
import type { Tag } from '../../api/types';
import { TagEditor } from '../../components/TagEditor';

interface Props {
  tags: Tag[];
  onSet(key: string, value: string): Promise<unknown>;
  onDelete(key: string): Promise<unknown>;
  /** Why the user may not change tags (the buttons are disabled with this tooltip). */
  denied?: string;
}

export function TagTable(props: Props) {
  return (
    <TagEditor
      {...props}
      testId="registry-tags"
      confirmDelete
      emptyText="No tags. Tags record facts such as the training data, owner or validation result."
    />
  );
}
