import { Notebook } from '../../components/notebook/Notebook';
import { PRESETS } from '../../engine/model/spec';
import { formatModelSpec } from '../../engine/model/specText';

export default function HomePage() {
  return (
    <div className="page home">
      <Notebook seedSpec={formatModelSpec(PRESETS.seed)} />
    </div>
  );
}
