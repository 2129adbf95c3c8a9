/** An editable Markdown description (of a registered model or of one version). */
import { DescriptionEditor as Editor } from '../../components/DescriptionEditor';

interface Props {
  value: string;
  /** What the empty state suggests writing. */
  placeholder: string;
  onSave(text: string): Promise<unknown>;
  /** Why the user may not edit it (the Edit button is disabled with this tooltip). */
  denied?: string;
}

export function DescriptionEditor({ value, placeholder, onSave, denied }: Props) {
  return (
    <Editor
      value={value}
      testId="registry-description"
      emptyText={placeholder}
      onSave={onSave}
      denied={denied}
    />
  );
}
