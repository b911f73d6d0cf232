package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import eim.runtime.data.FashionMnist;
import eim.runtime.data.ImageFolderDataset;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eim tokenizer fashion-mnist: the real-image set as class folders (needs Debian's dataset-fashion-mnist). */
class FashionMnistExportTest {
    @Test
    void writesClassFolders(@TempDir Path dir) throws Exception {
        assumeTrue(FashionMnist.isInstalled(), "apt-get install dataset-fashion-mnist");
        Path out = dir.resolve("fashion");
        Cli.Run r = Cli.ok("tokenizer", "fashion-mnist", "--per-class", "3", "--size", "16", "--out", out.toString());
        assertTrue(r.out().contains("wrote 30 Fashion-MNIST images (3 per class, 16x16)"), r.out());
        ImageFolderDataset d = ImageFolderDataset.open(out);
        assertEquals(FashionMnist.CLASS_NAMES.stream().sorted().toList(), d.classNames());
        assertEquals(30, d.size());
        var img = d.load(7);
        assertEquals(16, img.getWidth());
        assertEquals(16, img.getHeight());
    }
}
