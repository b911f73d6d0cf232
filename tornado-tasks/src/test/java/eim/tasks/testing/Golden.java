package eim.tasks.testing;

import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Golden files written by the scripts under {@code scripts/golden/} with PyTorch and committed
 * as test resources {@code /golden/<name>.safetensors}. CI only reads them.
 */
public final class Golden {
    private final SafeTensors.Contents contents;
    private final String name;

    private Golden(String name, SafeTensors.Contents c) {
        this.name = name;
        this.contents = c;
    }

    public static Golden load(String name) {
        URL url = Golden.class.getResource("/golden/" + name + ".safetensors");
        if (url == null) {
            throw new IllegalStateException("golden file /golden/" + name + ".safetensors is missing: "
                    + "regenerate it with scripts/golden.sh");
        }
        try {
            Path file = TestResources.file("/golden/" + name + ".safetensors");
            return new Golden(name, SafeTensors.read(file));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden " + name + ": " + e.getMessage(), e);
        }
    }

    public Tensor tensor(String key) {
        Tensor t = contents.tensors().get(key);
        if (t == null) {
            throw new IllegalStateException("golden " + name + " has no tensor '" + key + "'; it has "
                    + contents.tensors().keySet());
        }
        return t;
    }

    public float[] f(String key) {
        return tensor(key).floats();
    }

    public int[] ints(String key) {
        return tensor(key).ints();
    }

    /** A scalar stored as a 1-element tensor. */
    public float scalar(String key) {
        return tensor(key).floats()[0];
    }

    public int integer(String key) {
        Tensor t = tensor(key);
        return t.isInt() ? t.ints()[0] : Math.round(t.floats()[0]);
    }

    /** The file's {@code __metadata__} strings (configs of golden models). */
    public java.util.Map<String, String> metadata() {
        return contents.metadata();
    }

    public boolean has(String key) {
        return contents.tensors().containsKey(key);
    }

    public java.util.Set<String> keys() {
        return contents.tensors().keySet();
    }
}
